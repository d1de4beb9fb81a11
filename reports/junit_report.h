// junit.xml: the report for CI systems, in the JUnit XML dialect they all
// read (Jenkins, GitLab, GitHub Actions reporters).
//
// One <testsuite> per run, named after the plan; one <testcase> per expected
// invariant, failing with the findings and their evidence in the failure
// body; plus a "harness" test case carrying the error when the run itself
// failed, so a broken run can never show up green.
#ifndef TURNCOAT_REPORTS_JUNIT_REPORT_H_
#define TURNCOAT_REPORTS_JUNIT_REPORT_H_

#include <string>

#include "reports/report.h"

namespace turncoat {

std::string RenderJunitReport(const Report& report);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_JUNIT_REPORT_H_
