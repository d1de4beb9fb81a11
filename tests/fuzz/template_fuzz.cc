// libFuzzer target: target-file templates (harness/template.h). Parse()
// checks arbitrary text against a scope shaped like a replica's (variables,
// a list whose elements have their own names, a flag); whatever parses is
// rendered, so kainjow's renderer sees every skeleton Parse() lets through.
// Render() promises never to throw: an exception escaping it aborts here.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "model/template.h"

namespace {

const turncoat::TemplateScope& Scope() {
  static const auto* scope = new turncoat::TemplateScope{
      {"id", "listen", "peers", "workdir"},
      {{"peers", turncoat::TemplateScope{{"id", "address"}, {}}}},
      {"byzantine"}};
  return *scope;
}

const turncoat::TemplateValues& Values() {
  static const auto* values = [] {
    auto* v = new turncoat::TemplateValues;
    v->variables = {{"id", "1"}, {"listen", "127.0.0.1:7001"}, {"peers", "a,b"},
                    {"workdir", "/tmp/w"}};
    for (const char* id : {"0", "2", "3"}) {
      v->lists["peers"].push_back({{{"id", id}, {"address", "127.0.0.1:700"}}, {}, {}});
    }
    v->flags = {{"byzantine", true}};
    return v;
  }();
  return *values;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = turncoat::Template::Parse(text, Scope());
  if (parsed.ok()) (void)parsed->Render(Values());
  return 0;
}
