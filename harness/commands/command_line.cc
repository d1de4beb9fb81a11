#include "harness/commands/command_line.h"


#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "model/exit_codes.h"

namespace turncoat {
namespace {

// CLI11's help with turncoat's usage line (the one bad input prints too)
// in place of the one CLI11 would derive, and the summary after it.
class CommandFormatter : public CLI::Formatter {
 public:
  explicit CommandFormatter(const CommandDoc& doc) : doc_(doc) {}

  std::string make_description(const CLI::App*) const override { return ""; }
  std::string make_usage(const CLI::App*, std::string) const override {
    return absl::StrCat(doc_.usage, "\n", doc_.summary, "\n");
  }

 private:
  const CommandDoc doc_;
};

}  // namespace

std::unique_ptr<CLI::App> NewCommandApp(const CommandDoc& doc) {
  auto app = std::make_unique<CLI::App>(doc.summary, absl::StrCat("turncoat ", doc.name));
  app->formatter(std::make_shared<CommandFormatter>(doc));
  app->footer(absl::StrCat("example:\n  ", doc.example));
  app->allow_extras();
  return app;
}

std::optional<int> ParseCommandLine(CLI::App* app, const CommandDoc& doc,
                                    const std::vector<std::string>& args, std::ostream& out,
                                    std::ostream& err) {
  // CLI11 consumes a vector from its back.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app->help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    return BadCommandLine(doc, e.what(), err);
  }
  for (const std::string& extra : app->remaining()) {
    if (absl::StartsWith(extra, "-") && extra != "-") {
      return BadCommandLine(doc, absl::StrCat("unknown option '", extra, "'"), err);
    }
    return BadCommandLine(doc, absl::StrCat("unexpected argument '", extra, "'"), err);
  }
  return std::nullopt;
}

void AddReplicaArgOption(CLI::App* app, std::vector<std::string>* values) {
  app->add_option("--replica-arg", *values,
                  "append ARG to every replica's command line, e.g. "
                  "--replica-arg=--bug=small-quorum; repeatable")
      ->type_name("ARG")
      ->allow_extra_args(false);
}

absl::Status ParseWholeOption(absl::string_view option, const std::string& text, int lo, int hi,
                              int* value) {
  int parsed = 0;
  if (!absl::SimpleAtoi(text, &parsed) || parsed < lo || parsed > hi) {
    return absl::InvalidArgumentError(
        absl::StrCat(option, ": '", text, "' is not a whole number from ", lo, " to ", hi));
  }
  *value = parsed;
  return absl::OkStatus();
}

int BadCommandLine(const CommandDoc& doc, absl::string_view message, std::ostream& err) {
  err << "turncoat " << doc.name << ": " << message << "\n" << doc.usage;
  return kExitBadInput;
}

}  // namespace turncoat
