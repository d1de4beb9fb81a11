// A checker that includes a report: the direction test must name it.
#include "checkers/checker.h"
#include "model/history.h"
#include "reports/report.h"
