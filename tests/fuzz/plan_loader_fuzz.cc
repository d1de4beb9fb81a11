// libFuzzer target: the plan loader (harness/plan_loader.h) on arbitrary
// text. A plan is user input; the loader must answer every file with a plan
// or an error, never a crash, a hang or a sanitizer report. The text is
// named as if it sat in plans/, so a plan naming ../targets/refbft.yaml
// (as the seeds do) reaches the checks that need its target.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "loaders/plan_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)turncoat::ParsePlan(text, TURNCOAT_SOURCE_DIR "/plans/fuzzed.yaml");
  return 0;
}
