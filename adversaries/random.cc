// random: a seeded random schedule of faults within the bound, after
// ByzzFuzz (Winter et al., 2023). The phase is cut into rounds of `round`;
// each round draws one fault, installs it, and heals it when the round ends:
//   mutate      the Byzantine `nodes` send small-scope mutations of their
//               messages (one integer or enum field moved by one, re-signed
//               with their own key), each message with probability `mutate`
//   omission    each Byzantine node drops what it sends to a drawn subset
//   equivocate  the Byzantine nodes equivocate along a drawn split
//   partition   the cluster is cut in two drawn groups (a network fault)
//   delay       one drawn replica's outgoing messages wait 50-300 ms (the
//               replica counts as faulty only beyond the plan's Δ, if any)
//   quiet       nothing
// Only the Byzantine replicas lie, so a correct target stays safe; every
// network fault heals within a round, so it stays live once the phase ends.
// Each round is a step of the phase (the history's fault_step): the
// replicas a partition cuts off from every quorum count as faulty beside
// the Byzantine nodes, so liveness is only asked for where the cluster is
// within its bound. The same seed draws the same schedule.
#include <algorithm>
#include <iterator>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adversaries/equivocation.h"

namespace turncoat {
namespace {

class RandomAdversary : public Adversary {
 public:
  RandomAdversary(const AdversaryContext& context, absl::Duration round, double mutate)
      : context_(context), round_(round), mutate_(mutate), rng_(context.seed) {}

  absl::Status Start(FaultControl& control) override { return Begin(control); }

  absl::Status Tick(FaultControl& control, absl::Duration elapsed) override {
    if (elapsed < round_ * (round_index_ + 1)) return absl::OkStatus();
    if (absl::Status s = current_->Stop(control); !s.ok()) return s;
    ++round_index_;
    return Begin(control);
  }

  absl::Status Stop(FaultControl& control) override {
    return current_ == nullptr ? absl::OkStatus() : current_->Stop(control);
  }

  std::optional<AdversaryStep> CurrentStep() const override {
    return current_ == nullptr ? std::nullopt : current_->CurrentStep();
  }

 private:
  absl::Status Begin(FaultControl& control) {
    AdversaryStep step;
    std::vector<PlacedRule> rules = Draw(&step);
    current_ = std::make_unique<LinkRuleAdversary>(std::move(rules), std::move(step));
    return current_->Start(control);
  }

  std::vector<int> Replicas() const {
    std::vector<int> all;
    for (int r = 0; r < context_.n; ++r) all.push_back(r);
    return all;
  }

  // The next round's rules, and in `step` what they do and which replicas
  // they make faulty: the Byzantine nodes, and those a partition cuts off.
  std::vector<PlacedRule> Draw(AdversaryStep* step) {
    static const char* const kKinds[] = {"mutate", "omission", "equivocate",
                                         "partition", "delay", "quiet"};
    const std::string kind = kKinds[rng_() % std::size(kKinds)];
    const std::string name = absl::StrCat("random-r", round_index_, "-", kind);
    const std::vector<int>& byzantine = context_.phase->nodes;
    step->what = absl::StrCat("round ", round_index_, ": ", kind);
    step->faulty = byzantine;
    std::vector<PlacedRule> rules;
    auto add = [&rules](std::vector<PlacedRule> more) {
      for (PlacedRule& r : more) rules.push_back(std::move(r));
    };
    const bool decodable = std::any_of(context_.target->protocol.messages.begin(),
                                       context_.target->protocol.messages.end(), Decodable);
    if (kind == "mutate" && !decodable) {
      absl::StrAppend(&step->what, " skipped: no kind of peer message has a decodable payload");
    } else if (kind == "mutate") {
      for (int from : byzantine) {
        for (int to : Replicas()) {
          if (to == from) continue;
          agent::v1::Action action = RewriteAction(context_, from, "mutate");
          // The rewriter takes a non-negative 64-bit signed seed.
          (*action.mutable_params())["seed"] = absl::StrCat(rng_() >> 1);
          add(RulesOnLink(context_, {from, to}, name, action, mutate_, Decodable));
        }
      }
      absl::StrAppend(&step->what, " with probability ", mutate_);
    } else if (kind == "omission") {
      agent::v1::Action drop;
      drop.set_kind(agent::v1::Action::DROP);
      std::vector<std::string> links;
      for (int from : byzantine) {
        for (int to : Replicas()) {
          if (to != from && rng_() % 2 == 0) {
            add(RulesOnLink(context_, {from, to}, name, drop, 1.0));
            links.push_back(absl::StrCat(from, "->", to));
          }
        }
      }
      absl::StrAppend(&step->what, " on ", links.empty() ? "no link" : absl::StrJoin(links, ", "));
    } else if (kind == "equivocate" && CarriesValues(context_)) {
      const std::vector<std::vector<int>> split = TwoGroups();
      add(SplitEquivocation(context_, byzantine, split, /*both=*/{}, {}, name));
      absl::StrAppend(&step->what, " along ", GroupsText(split));
    } else if (kind == "equivocate") {
      absl::StrAppend(&step->what, " skipped: no kind of peer message carries decodable values");
    } else if (kind == "partition") {
      const std::vector<std::vector<int>> groups = TwoGroups();
      add(CutBetweenGroups(context_, groups, name));
      absl::StrAppend(&step->what, " ", GroupsText(groups));
      std::set<int> faulty(byzantine.begin(), byzantine.end());
      for (int r : CutOffFromQuorums(context_, groups)) faulty.insert(r);
      step->faulty.assign(faulty.begin(), faulty.end());
    } else if (kind == "delay") {
      agent::v1::Action delay;
      delay.set_kind(agent::v1::Action::DELAY);
      delay.set_delay_ms(50 + static_cast<uint32_t>(rng_() % 251));
      const int from = static_cast<int>(rng_() % context_.n);
      for (int to : Replicas()) {
        if (to != from) add(RulesOnLink(context_, {from, to}, name, delay, 1.0));
      }
      absl::StrAppend(&step->what, " ", delay.delay_ms(), "ms on what replica ", from, " sends");
      // Beyond a declared synchrony bound the slowed replica is faulty, as
      // under a delay phase; without one these short delays never were.
      if (context_.delta.has_value() && absl::Milliseconds(delay.delay_ms()) > *context_.delta) {
        std::set<int> faulty(byzantine.begin(), byzantine.end());
        faulty.insert(from);
        step->faulty.assign(faulty.begin(), faulty.end());
        absl::StrAppend(&step->what, ", beyond delta");
      }
    }
    return rules;
  }

  // A random cut of all replicas into two non-empty groups.
  std::vector<std::vector<int>> TwoGroups() {
    std::vector<int> all = Replicas();
    std::shuffle(all.begin(), all.end(), rng_);
    const size_t cut = 1 + rng_() % (all.size() - 1);
    std::sort(all.begin(), all.begin() + cut);
    std::sort(all.begin() + cut, all.end());
    return {std::vector<int>(all.begin(), all.begin() + cut),
            std::vector<int>(all.begin() + cut, all.end())};
  }

  const AdversaryContext context_;
  const absl::Duration round_;
  const double mutate_;
  std::mt19937_64 rng_;
  int64_t round_index_ = 0;
  std::unique_ptr<LinkRuleAdversary> current_;
};

const AdversaryImplementation kRandom(
    {"random",
     "a seeded random schedule of Byzantine and network faults, one per round (ByzzFuzz-style)",
     NodeRule::kByzantine,
     {{"round", ParamKind::kDuration, false, "how long each drawn fault lasts (default 2s)"},
      {"mutate", ParamKind::kProbability, false,
       "in mutate rounds, probability that a Byzantine message is mutated (default 0.3)"}}},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      const absl::Duration round = ParamOr(*context.phase, "round", absl::Seconds(2));
      if (round < absl::Milliseconds(200)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "phase ", context.phase_index, " (random): round must be at least 200ms"));
      }
      return std::unique_ptr<Adversary>(
          new RandomAdversary(context, round, ParamOr(*context.phase, "mutate", 0.3)));
    });

}  // namespace
}  // namespace turncoat
