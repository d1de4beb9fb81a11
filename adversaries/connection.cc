// connection: faults on the TCP connections of the replicas in `nodes`
// rather than on their messages (targets on TCP only). `fault` says which:
//   cut     closes every live connection on their links (FIN both ways) as
//           the phase starts; connections opened later work;
//   reset   the same with an RST, so each end sees ECONNRESET;
//   refuse  resets every connection on their links that opens while the
//           phase lasts; live ones stay;
//   cut+refuse, reset+refuse  both: cut off from the phase's start to its
//           end, and the system must reconnect when it heals.
// With `every`, a cut or reset happens again that often while the phase
// lasts. A connection is on link i -> j when it carries what i sends to j,
// whichever side dialled it: a replica's agent acts on every connection
// between it and the phase's peers.
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

constexpr absl::Duration kMinEvery = absl::Milliseconds(100);

agent::v1::Action ActionOf(agent::v1::Action::Kind kind) {
  agent::v1::Action action;
  action.set_kind(kind);
  return action;
}

class ConnectionFault : public Adversary {
 public:
  // `cuts` (may be empty) act once installed, `refuse` (may be empty) while
  // installed; with `every`, `cuts` are installed anew that often.
  ConnectionFault(std::vector<PlacedRule> cuts, std::vector<PlacedRule> refuse,
                  std::optional<absl::Duration> every)
      : cuts_(std::move(cuts)), refuse_(std::move(refuse)), every_(every) {}

  absl::Status Start(FaultControl& control) override {
    if (started_) return absl::OkStatus();
    std::vector<PlacedRule> install = refuse_;
    installed_cuts_ = CutRules(0);
    install.insert(install.end(), installed_cuts_.begin(), installed_cuts_.end());
    if (absl::Status s = control.InstallRules(install); !s.ok()) return s;
    started_ = true;
    return absl::OkStatus();
  }

  absl::Status Tick(FaultControl& control, absl::Duration elapsed) override {
    if (!started_ || !every_.has_value() || cuts_.empty()) return absl::OkStatus();
    absl::Duration unused;
    const int64_t round = absl::IDivDuration(elapsed, *every_, &unused);
    if (round <= round_) return absl::OkStatus();
    // A cut acts when installed: a new rule (a new id, so the report keeps
    // every round's count) cuts what opened since the last one.
    std::vector<PlacedRule> next = CutRules(round);
    if (absl::Status s = control.ChangeRules(installed_cuts_, next); !s.ok()) return s;
    installed_cuts_ = std::move(next);
    round_ = round;
    return absl::OkStatus();
  }

  absl::Status Stop(FaultControl& control) override {
    if (!started_) return absl::OkStatus();
    started_ = false;
    std::vector<PlacedRule> remove = refuse_;
    remove.insert(remove.end(), installed_cuts_.begin(), installed_cuts_.end());
    installed_cuts_.clear();
    return control.RemoveRules(remove);
  }

 private:
  // The cut rules of round `round` (0: the phase's start).
  std::vector<PlacedRule> CutRules(int64_t round) const {
    std::vector<PlacedRule> rules = cuts_;
    if (round > 0) {
      for (PlacedRule& r : rules) r.rule.set_id(absl::StrCat(r.rule.id(), "-", round + 1));
    }
    return rules;
  }

  const std::vector<PlacedRule> cuts_;
  const std::vector<PlacedRule> refuse_;
  const std::optional<absl::Duration> every_;
  std::vector<PlacedRule> installed_cuts_;
  int64_t round_ = 0;
  bool started_ = false;
};

const AdversaryImplementation kConnection(
    {"connection",
     "cuts, resets or refuses the TCP connections of the replicas in `nodes`",
     NodeRule::kAny,
     {{"fault", ParamKind::kString, true,
       "cut (FIN), reset (RST) or refuse new connections, or cut+refuse, reset+refuse",
       {"cut", "reset", "refuse", "cut+refuse", "reset+refuse"}},
      {"every", ParamKind::kDuration, false,
       "cut or reset again this often while the phase lasts (default: once)"},
      ToParam()},
     /*round_keyed=*/false,
     /*archive_use=*/nullptr,
     /*tcp_only=*/true},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      if (absl::Status s = NeedsTcpLinks(context, "connection"); !s.ok()) return s;
      const std::string fault = ParamOr(*context.phase, "fault", std::string("cut"));
      std::optional<agent::v1::Action::Kind> cut;
      if (absl::StartsWith(fault, "cut")) cut = agent::v1::Action::CUT;
      if (absl::StartsWith(fault, "reset")) cut = agent::v1::Action::RESET;
      const bool refuse = absl::StrContains(fault, "refuse");
      std::optional<absl::Duration> every;
      if (const auto* e = FindParam<absl::Duration>(context.phase->params, "every")) {
        if (!cut.has_value()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "phase ", context.phase_index,
              " (connection): `every` repeats a cut or reset, and fault '", fault,
              "' has none; drop `every` or use cut+refuse"));
        }
        if (*e < kMinEvery) {
          return absl::InvalidArgumentError(absl::StrCat(
              "phase ", context.phase_index, " (connection): `every` must be at least ",
              absl::FormatDuration(kMinEvery), ", got ", absl::FormatDuration(*e)));
        }
        every = *e;
      }
      std::vector<PlacedRule> cuts;
      if (cut.has_value()) {
        cuts = RulesOnOutgoingLinks(
            context,
            absl::StrCat("connection-", *cut == agent::v1::Action::RESET ? "reset" : "cut"),
            ActionOf(*cut));
      }
      std::vector<PlacedRule> refusals;
      if (refuse) {
        refusals = RulesOnOutgoingLinks(context, "connection-refuse",
                                        ActionOf(agent::v1::Action::REFUSE));
      }
      return std::unique_ptr<Adversary>(
          new ConnectionFault(std::move(cuts), std::move(refusals), every));
    });

}  // namespace
}  // namespace turncoat
