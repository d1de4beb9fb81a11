// Test support for generators: a fixture holding refbft's target, loaded
// once per suite, and the expansion of a generated plan's text as a run
// does it (phases built against the target; rules are compiled only by a
// run's controller).
#ifndef TURNCOAT_TESTS_GENERATORS_GENERATOR_TEST_UTIL_H_
#define TURNCOAT_TESTS_GENERATORS_GENERATOR_TEST_UTIL_H_

#include <string>

#include "adversaries/phase_check.h"
#include "generators/generate.h"
#include "gtest/gtest.h"
#include "loaders/plan_loader.h"
#include "loaders/target_loader.h"

namespace turncoat {

class GeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (refbft_ != nullptr) return;
    absl::StatusOr<TargetSpec> target =
        LoadTargetFile(std::string(TURNCOAT_SOURCE_DIR) + "/targets/refbft.yaml");
    ASSERT_TRUE(target.ok()) << target.status();
    refbft_ = new TargetSpec(*std::move(target));
  }

  // The plan `text`, read as the file `path`, with its phases drawn for `seed`.
  static absl::StatusOr<Plan> Expand(const std::string& text, uint64_t seed,
                                     const std::string& path = "plans/gen.yaml") {
    absl::StatusOr<Plan> plan = ParsePlan(text, path);
    if (!plan.ok()) return plan.status();
    absl::Status s = ExpandGenerators(&*plan, *refbft_, seed, [seed](const Plan& p) {
      return CheckPhases(p, *refbft_, seed);
    });
    if (!s.ok()) return s;
    return plan;
  }

  static inline TargetSpec* refbft_ = nullptr;
};

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_GENERATORS_GENERATOR_TEST_UTIL_H_
