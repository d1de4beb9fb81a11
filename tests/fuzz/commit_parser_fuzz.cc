// libFuzzer target: the commit observer's line parser (agents/observer.h).
// A replica's output is untrusted (it may be buggy or Byzantine), so every
// line, whatever its bytes, must give a commit or nothing. Each input is
// parsed by both kinds of rule a target file can give: JSON lines with a
// sequence number, and a regular expression with named groups.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "agents/observer.h"

namespace {

using turncoat::agent::CommitParser;
using turncoat::agent::CommitRule;

const CommitParser& Parser(const CommitRule& rule) {
  auto parser = CommitParser::Create(rule);
  if (!parser.ok()) std::abort();
  return *new CommitParser(*std::move(parser));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const CommitParser& json = Parser({"seq", "value", ""});
  static const CommitParser& regex =
      Parser({"", "", R"(COMMIT seq=(?P<seq>\d+) value=(?P<value>\S+))"});
  const absl::string_view line(reinterpret_cast<const char*>(data), size);
  (void)json.Parse(line);
  (void)regex.Parse(line);
  return 0;
}
