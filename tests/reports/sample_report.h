// Reports built from small synthetic runs through the real checkers, shared
// by the writer tests.
#ifndef TURNCOAT_TESTS_REPORTS_SAMPLE_REPORT_H_
#define TURNCOAT_TESTS_REPORTS_SAMPLE_REPORT_H_

#include <string>

#include "reports/report.h"

namespace turncoat {

// n = 4 with replica 3 Byzantine, a crash phase on replica 1 from 5 s to
// 8 s, a steady workload over 20 s, every invariant expected, every message
// traced (seven of them, one from the twin of replica 3). With
// `diverge`, replica 2 commits `rogue_value` at seq 5, violating agreement,
// prefix and validity.
Report SampleReport(bool diverge, const std::string& rogue_value = "rogue");

// The diverging sample on replicas configured for f = 2, declared
// beyond_fault_bound: n = 4 < 3f+1 = 7, so its violations are expected.
Report BeyondBoundSampleReport();

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_REPORTS_SAMPLE_REPORT_H_
