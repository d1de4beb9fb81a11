// libFuzzer target: the target loader (harness/target_loader.h) on arbitrary
// text, templates, .proto references and commit rules included. A target
// file is user input; the loader must answer with a target or an error,
// never a crash or a sanitizer report. The text is named as if it sat in
// targets/, so the seeds' relative .proto paths resolve.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "loaders/target_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)turncoat::ParseTarget(text, TURNCOAT_SOURCE_DIR "/targets/fuzzed.yaml");
  return 0;
}
