// Reports built from small synthetic runs through the real checkers, shared
// by the writer tests.
#ifndef TURNCOAT_TESTS_REPORTS_SAMPLE_REPORT_H_
#define TURNCOAT_TESTS_REPORTS_SAMPLE_REPORT_H_

#include <string>

#include "reports/report.h"

namespace turncoat {

// n = 4 with replica 3 Byzantine, the cluster ready at 0.5 s, a crash
// phase on replica 1 from 5 s to 8 s (planned at 4.5 s from ready, so on
// time), a steady workload over 20 s, every invariant expected, every
// message traced (seven of them, one from the twin of replica 3). With
// `diverge`, replica 2 commits `rogue_value` at seq 5, violating agreement,
// prefix and validity.
Report SampleReport(bool diverge, const std::string& rogue_value = "rogue");

// The diverging sample on replicas configured for f = 2, declared
// beyond_fault_bound: n = 4 < 3f+1 = 7, so its violations are expected.
Report BeyondBoundSampleReport();

// The sample with a second phase, omission by replica 3 from 10 s to 12 s,
// whose rules on its 3 links matched no message: inconclusive unless
// `diverge` makes it a failure.
Report IdlePhaseSampleReport(bool diverge = false);

// The sample with the cluster ready at 0.1 s, so the crash phase planned
// at 4.6 s starts 400 ms late.
Report LatePhaseSampleReport();

// The run of issue 18: n = 4, 40 values/s for 25 s, replica 1 crashed from
// 5.4 s to 15.4 s and no commit anywhere after 5.015 s (a value submitted
// every 25 ms commits 40 ms later until 5 s), so hundreds of liveness
// findings; with the replay command of a run from /home/user/src/turncoat.
Report CrashedLeaderSampleReport();

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_REPORTS_SAMPLE_REPORT_H_
