// A model header that includes the controller: the direction test must name it.
#include "common/read_file.h"
#include "absl/strings/str_cat.h"
#include "harness/controller.h"
