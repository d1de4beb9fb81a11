// ExpectSamePlan: GoogleTest expectations that two Plans agree in every
// field a plan file holds (not `path`, `source_text`, a phase's `line`, nor
// `generated_by`, which a written plan keeps only as a comment).
#ifndef TURNCOAT_TESTS_LOADERS_PLAN_EQUALITY_H_
#define TURNCOAT_TESTS_LOADERS_PLAN_EQUALITY_H_

#include "gtest/gtest.h"
#include "model/plan.h"

namespace turncoat {

inline void ExpectSamePlan(const Plan& a, const Plan& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.f, b.f);
  EXPECT_EQ(a.byzantine, b.byzantine);
  EXPECT_EQ(a.beyond_fault_bound, b.beyond_fault_bound);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.duration, b.duration);
  EXPECT_EQ(a.workload.rate, b.workload.rate);
  EXPECT_EQ(a.workload.clients, b.workload.clients);
  EXPECT_EQ(a.workload.value_bytes, b.workload.value_bytes);
  EXPECT_EQ(a.workload.rate_auto, b.workload.rate_auto);
  EXPECT_EQ(a.workload.share, b.workload.share);
  EXPECT_EQ(a.workload.warmup, b.workload.warmup);
  EXPECT_EQ(a.delta, b.delta);
  EXPECT_EQ(a.draw_byzantine, b.draw_byzantine);
  ASSERT_EQ(a.generate.size(), b.generate.size());
  for (size_t i = 0; i < a.generate.size(); ++i) {
    EXPECT_EQ(a.generate[i].name, b.generate[i].name);
    EXPECT_TRUE(a.generate[i].params == b.generate[i].params);
  }
  ASSERT_EQ(a.timeline.size(), b.timeline.size());
  for (size_t i = 0; i < a.timeline.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "phase " << i + 1);
    const Phase& p = a.timeline[i];
    const Phase& q = b.timeline[i];
    EXPECT_EQ(p.at, q.at);
    EXPECT_EQ(p.length, q.length);
    EXPECT_EQ(p.adversary, q.adversary);
    EXPECT_EQ(p.nodes, q.nodes);
    EXPECT_TRUE(p.params == q.params);
    EXPECT_EQ(p.rounds.has_value(), q.rounds.has_value());
    EXPECT_EQ(p.leader, q.leader);
    if (p.rounds && q.rounds) {
      EXPECT_EQ(p.rounds->first, q.rounds->first);
      EXPECT_EQ(p.rounds->last, q.rounds->last);
    }
  }
  EXPECT_EQ(a.expect.safety, b.expect.safety);
  EXPECT_EQ(a.expect.commit_within, b.expect.commit_within);
  EXPECT_EQ(a.expect.commit_within_factor, b.expect.commit_within_factor);
  EXPECT_EQ(a.expect.min_commits, b.expect.min_commits);
  EXPECT_EQ(a.trace_sample_every, b.trace_sample_every);
}

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_LOADERS_PLAN_EQUALITY_H_
