#include "harness/rule_check.h"

#include <stdlib.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adversaries/adversary.h"
#include "adversaries/phase_check.h"
#include "agents/control_specs.h"
#include "agents/fault_rule.h"
#include "agents/message_archive.h"
#include "common/signing_key.h"
#include "harness/agent_target.h"
#include "harness/archive_use.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

// How often a phase is ticked while its rules are collected, as the
// controller ticks it, and at most how many ticks (a long phase's later
// rounds draw from the same kinds of fault).
constexpr absl::Duration kTick = absl::Milliseconds(200);
constexpr int kMaxTicks = 600;

// Keeps every rule an adversary installs.
class RecordingControl : public FaultControl {
 public:
  absl::Status ChangeRules(const std::vector<PlacedRule>& remove,
                           const std::vector<PlacedRule>& install) override {
    for (const PlacedRule& r : install) installed.push_back(r);
    return absl::OkStatus();
  }
  absl::Status Kill(int) override { return absl::OkStatus(); }
  absl::Status Restart(int) override { return absl::OkStatus(); }
  absl::Status Pause(int) override { return absl::OkStatus(); }
  absl::Status Resume(int) override { return absl::OkStatus(); }

  std::vector<PlacedRule> installed;
};

// A directory removed with everything in it when this goes.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/turncoat-check-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

absl::Status CheckPhaseRules(const Plan& plan, const TargetSpec& target, uint64_t run_seed) {
  if (plan.timeline.empty()) return absl::OkStatus();
  TempDir keys;
  if (keys.path().empty()) return absl::InternalError("cannot create a temporary directory");
  for (int r : plan.byzantine) {
    auto key = PrivateKey::Generate(target.keys.scheme);
    if (!key.ok()) return key.status();
    if (absl::Status s = WriteKeyPair(*key, keys.path(), absl::StrCat(r),
                                      target.keys.private_encoding, target.keys.public_encoding);
        !s.ok()) {
      return s;
    }
  }
  auto request = LoadTargetRequestFor(target, plan.n, "", keys.path());
  if (!request.ok()) return request.status();
  auto loaded = agent::LoadTarget(*request, /*start_codecs=*/false);
  if (!loaded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(target.path, ": the agents would not load the target: ", loaded.status().message()));
  }
  // As the agents of a run of this plan will have one, or not.
  const std::shared_ptr<agent::MessageArchive> archive =
      PlanArchiveUse(plan).archive ? std::make_shared<agent::MessageArchive>() : nullptr;
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    const Phase& phase = plan.timeline[i];
    auto where = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(
          plan.path, phase.line > 0 ? absl::StrCat(":", phase.line) : "", ": phase ", i, " (",
          phase.adversary, "): ", what));
    };
    auto adversary = MakeAdversary(PhaseContext(plan, target, i, run_seed, keys.path()));
    if (!adversary.ok()) return where(adversary.status().message());
    RecordingControl control;
    if (absl::Status s = (*adversary)->Start(control); !s.ok()) return where(s.message());
    for (int tick = 1; tick <= kMaxTicks && tick * kTick < phase.length; ++tick) {
      if (absl::Status s = (*adversary)->Tick(control, tick * kTick); !s.ok()) {
        return where(s.message());
      }
    }
    (*adversary)->Stop(control).IgnoreError();
    std::set<std::string> compiled;  // a rule placed on many links compiles alike
    for (const PlacedRule& placed : control.installed) {
      const agent::v1::Action& action = placed.rule.action();
      const std::string shape = absl::StrCat(placed.rule.method(), "|", action.rewriter(), "|",
                                             action.SerializeAsString(), "|",
                                             placed.rule.kinds_size());
      if (!compiled.insert(shape).second) continue;
      auto spec = agent::ToRuleSpec(placed.rule);
      if (!spec.ok()) return where(spec.status().message());
      auto rule = agent::FaultRule::Compile(*std::move(spec), loaded->schema, loaded->model, 1,
                                            archive, nullptr, loaded->framing);
      if (!rule.ok()) {
        return where(absl::StrCat("the agents would refuse its rule on link ", placed.from, " -> ",
                                  placed.to, ": ", rule.status().message()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace turncoat
