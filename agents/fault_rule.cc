#include "agents/fault_rule.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agents/message_codec.h"
#include "google/protobuf/descriptor.h"
#include "re2/re2.h"

namespace turncoat {
namespace agent {
namespace {

constexpr int kMaxDuplicates = 100;
constexpr int kMaxHoldCount = 10000;

absl::Status Invalid(const RuleSpec& spec, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("rule '", spec.id, "': ", what));
}

Emit MakeEmit(const Frame& frame, absl::Duration delay, std::string bytes,
              bool from_hold) {
  return Emit{frame.id(), frame.sink(), delay, std::move(bytes), from_hold};
}

absl::Status ValidateAction(const RuleSpec& spec) {
  const ActionSpec& a = spec.action;
  switch (a.kind) {
    case ActionKind::kDelay:
      if (a.delay < absl::ZeroDuration() || a.jitter < absl::ZeroDuration()) {
        return Invalid(spec, "delay and jitter must not be negative");
      }
      break;
    case ActionKind::kDuplicate:
      if (a.duplicates < 1 || a.duplicates > kMaxDuplicates) {
        return Invalid(spec, absl::StrCat("duplicates must be in [1, ",
                                          kMaxDuplicates, "], got ", a.duplicates));
      }
      break;
    case ActionKind::kHold:
      if (a.hold_count < 1 || a.hold_count > kMaxHoldCount) {
        return Invalid(spec, absl::StrCat("hold count must be in [1, ",
                                          kMaxHoldCount, "], got ", a.hold_count));
      }
      if (a.hold_time <= absl::ZeroDuration()) {
        // Without a time bound a quiet link would keep its frames forever.
        return Invalid(spec, "hold time must be positive");
      }
      break;
    case ActionKind::kRewrite:
      if (a.rewriter.empty()) return Invalid(spec, "rewrite needs a rewriter name");
      break;
    case ActionKind::kPace:
      if (!(a.bytes_per_second >= 1)) {
        return Invalid(spec, absl::StrCat("pace needs at least 1 byte per second, got ",
                                          a.bytes_per_second));
      }
      break;
    case ActionKind::kCut:
    case ActionKind::kReset:
    case ActionKind::kRefuse:
      // A connection carries no message: nothing but its link to match.
      if (!spec.method.empty() || !spec.method_regex.empty() || !spec.message_type.empty() ||
          !spec.kinds.empty() || !spec.fields.empty() || spec.rounds.has_value() ||
          spec.leader != LeaderCondition::kAny) {
        return Invalid(spec, absl::StrCat(ActionName(a.kind),
                                          " acts on connections, which carry no one message: "
                                          "it matches only from and to"));
      }
      break;
    case ActionKind::kPass:
    case ActionKind::kDrop:
    case ActionKind::kReplace:
      break;
  }
  return absl::OkStatus();
}

// `text` as a field path of a rule matching `root` messages. A rule that
// pins a request type but no method may meet several kinds of peer message
// of that type: the path must fit one of them, into its payload included.
absl::StatusOr<FieldPath> ParseField(absl::string_view text,
                                     const google::protobuf::Descriptor* root,
                                     const MessageCodec* codec, const MessageModel* model,
                                     const MessageModel::Kind* kind) {
  if (kind != nullptr || model == nullptr || root == nullptr) {
    return FieldPath::Parse(text, root, codec, kind);
  }
  absl::Status first;
  for (const auto& candidate : model->kinds()) {
    if (candidate->request_type != root) continue;
    auto path = FieldPath::Parse(text, root, codec, candidate.get());
    if (path.ok()) return path;
    if (first.ok()) first = path.status();
  }
  if (!first.ok()) return first;
  return FieldPath::Parse(text, root, codec, nullptr);
}

}  // namespace

absl::string_view ActionName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kPass: return "pass";
    case ActionKind::kDrop: return "drop";
    case ActionKind::kDelay: return "delay";
    case ActionKind::kDuplicate: return "duplicate";
    case ActionKind::kHold: return "hold";
    case ActionKind::kReplace: return "replace";
    case ActionKind::kRewrite: return "rewrite";
    case ActionKind::kCut: return "cut";
    case ActionKind::kReset: return "reset";
    case ActionKind::kRefuse: return "refuse";
    case ActionKind::kPace: return "pace";
  }
  return "unknown";
}

bool ActsOnConnections(ActionKind kind) {
  return kind == ActionKind::kCut || kind == ActionKind::kReset || kind == ActionKind::kRefuse;
}

FaultRule::FaultRule(RuleSpec spec, std::shared_ptr<const MessageCodec> codec,
                     std::shared_ptr<const MessageModel> model, uint64_t seed)
    : spec_(std::move(spec)), codec_(std::move(codec)), model_(std::move(model)), rng_(seed) {}

FaultRule::~FaultRule() = default;

absl::StatusOr<std::shared_ptr<FaultRule>> FaultRule::Compile(
    RuleSpec spec, std::shared_ptr<const MessageCodec> codec,
    std::shared_ptr<const MessageModel> model, uint64_t seed,
    std::shared_ptr<MessageArchive> archive, std::shared_ptr<const ProposalLog> proposals,
    std::shared_ptr<const FrameFormat> framing) {
  if (spec.id.empty()) return absl::InvalidArgumentError("rule without an id");
  if (!(spec.probability >= 0.0 && spec.probability <= 1.0)) {
    return Invalid(spec, absl::StrCat("probability must be in [0, 1], got ",
                                      spec.probability));
  }
  if (absl::Status s = ValidateAction(spec); !s.ok()) return s;
  if ((!spec.message_type.empty() || !spec.fields.empty()) && codec == nullptr) {
    return Invalid(spec,
                   "matching on message type or fields needs the target's "
                   ".proto files; load them first");
  }
  if (!spec.kinds.empty() && model == nullptr) {
    if (framing == nullptr) {
      return Invalid(spec,
                     "matching on kinds of message needs the target's message model; load it first");
    }
    const auto& types = framing->spec().types;
    for (const std::string& kind : spec.kinds) {
      if (std::none_of(types.begin(), types.end(),
                       [&](const auto& type) { return type.second == kind; })) {
        return Invalid(spec, absl::StrCat("kind '", kind,
                                          "' is none of the message types the target's framing names"));
      }
    }
  }
  if (spec.rounds.has_value()) {
    if (model == nullptr) {
      return Invalid(spec, "matching on rounds needs the target's message model; load it first");
    }
    if (!model->has_rounds()) {
      return Invalid(spec,
                     "matching on rounds needs round fields, and the target declares none; add "
                     "`round` to its protocol.messages");
    }
    if (spec.rounds->first > spec.rounds->last) {
      return Invalid(spec, absl::StrCat("round range ", spec.rounds->first, "..",
                                        spec.rounds->last, " is empty"));
    }
  }
  if (spec.leader != LeaderCondition::kAny &&
      (model == nullptr || !model->has_proposals())) {
    return Invalid(spec,
                   "matching on who leads a round needs proposals: a kind of message with both "
                   "`values` and `round` in the target's protocol.messages; add them or drop "
                   "the leader condition");
  }
  // Mixing the seed with the id keeps two rules' coins independent.
  const uint64_t rule_seed = seed ^ std::hash<std::string>()(spec.id);
  std::shared_ptr<FaultRule> rule(
      new FaultRule(std::move(spec), std::move(codec), std::move(model), rule_seed));
  const RuleSpec& s = rule->spec_;
  rule->proposals_ = std::move(proposals);

  if (!s.method_regex.empty()) {
    re2::RE2::Options options;
    options.set_log_errors(false);  // the error comes back in the status
    rule->method_regex_ = std::make_unique<re2::RE2>(s.method_regex, options);
    if (!rule->method_regex_->ok()) {
      return Invalid(s, absl::StrCat("bad method regex '", s.method_regex,
                                     "': ", rule->method_regex_->error()));
    }
  }
  const google::protobuf::Descriptor* root = nullptr;
  if (!s.message_type.empty()) {
    root = rule->codec_->FindMessage(s.message_type);
    if (root == nullptr) {
      return Invalid(s, absl::StrCat("unknown message type '", s.message_type,
                                     "' in the loaded .proto files"));
    }
  } else if (!s.method.empty() && s.direction.has_value() && rule->codec_) {
    root = rule->codec_->TypeOf(s.method, *s.direction);
  }
  // The kind of peer message the rule's method carries, when it pins one.
  const MessageModel::Kind* kind =
      rule->model_ != nullptr && !s.method.empty() && s.direction == Direction::kRequest
          ? rule->model_->ForMethod(s.method)
          : nullptr;
  for (const FieldMatch& m : s.fields) {
    auto path = ParseField(m.path, root, rule->codec_.get(), rule->model_.get(), kind);
    if (!path.ok()) return Invalid(s, path.status().message());
    CompiledField field{std::move(*path), &m, {}};
    switch (m.op) {
      case FieldMatch::Op::kEquals:
        if (m.values.size() != 1) {
          return Invalid(s, absl::StrCat("field '", m.path,
                                         "': equals takes exactly one value"));
        }
        break;
      case FieldMatch::Op::kIn:
        if (m.values.empty()) {
          return Invalid(s, absl::StrCat("field '", m.path, "': empty 'in' set"));
        }
        break;
      case FieldMatch::Op::kRange:
        if (!(m.min <= m.max)) {
          return Invalid(s, absl::StrCat("field '", m.path, "': range min ",
                                         m.min, " > max ", m.max));
        }
        break;
      case FieldMatch::Op::kPresent:
      case FieldMatch::Op::kAbsent:
        break;
    }
    for (const std::string& v : m.values) {
      double d;
      field.values.emplace_back(
          v, absl::SimpleAtod(v, &d) ? std::optional<double>(d) : std::nullopt);
    }
    rule->fields_.push_back(std::move(field));
  }
  if (s.action.kind == ActionKind::kRewrite) {
    RewriterContext context{&s.action.params, rule->codec_.get(), root, rule->model_.get(), kind,
                            std::move(archive), std::move(framing)};
    auto rewriter = RewriterRegistry::Create(s.action.rewriter, context);
    if (!rewriter.ok()) return Invalid(s, rewriter.status().message());
    rule->rewriter_ = std::move(*rewriter);
  }
  return rule;
}

bool FaultRule::Matches(const Frame& frame) const {
  const RuleSpec& s = spec_;
  if (ActsOnConnections(s.action.kind)) return false;
  if (s.from >= 0 && frame.link().from != s.from) return false;
  if (s.to >= 0 && frame.link().to != s.to) return false;
  if (s.direction.has_value() && frame.direction() != *s.direction) return false;
  if (!s.method.empty() && frame.method() != s.method) return false;
  if (!s.message_type.empty()) {
    const google::protobuf::Descriptor* type = frame.type();
    if (type == nullptr || type->full_name() != s.message_type) return false;
  }
  if (method_regex_ && !re2::RE2::FullMatch(frame.method(), *method_regex_)) {
    return false;
  }
  if (!s.kinds.empty() &&
      std::find(s.kinds.begin(), s.kinds.end(), frame.kind()) == s.kinds.end()) {
    return false;
  }
  if (!RoundMatches(frame)) return false;
  if (!LeaderMatches(frame)) return false;
  if (!FieldsMatch(frame)) return false;
  matched_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool FaultRule::MatchesConnection(LinkId link) const {
  if (!ActsOnConnections(spec_.action.kind)) return false;
  if (spec_.from >= 0 && link.from != spec_.from) return false;
  if (spec_.to >= 0 && link.to != spec_.to) return false;
  matched_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool FaultRule::RoundMatches(const Frame& frame) const {
  if (!spec_.rounds.has_value()) return true;
  const std::optional<int64_t> round = frame.major_round();
  return round.has_value() && *round >= spec_.rounds->first && *round <= spec_.rounds->last;
}

bool FaultRule::LeaderMatches(const Frame& frame) const {
  if (spec_.leader == LeaderCondition::kAny) return true;
  const std::optional<int64_t> round = frame.major_round();
  if (!round.has_value()) return false;
  const bool led = proposals_ != nullptr && proposals_->Led(frame.link().from, *round);
  return led == (spec_.leader == LeaderCondition::kSelf);
}

bool FaultRule::FieldsMatch(const Frame& frame) const {
  for (const CompiledField& f : fields_) {
    bool ok = false;
    switch (f.match->op) {
      case FieldMatch::Op::kPresent:
        ok = f.path.Present(frame);
        break;
      case FieldMatch::Op::kAbsent:
        ok = frame.message() != nullptr && !f.path.Present(frame);
        break;
      case FieldMatch::Op::kEquals:
      case FieldMatch::Op::kIn:
        ok = f.path.AnyValue(frame, [&f](const FieldValue& v) {
          for (const auto& want : f.values) {
            if (v.text == want.first) return true;
            if (v.numeric && want.second.has_value() && v.number == *want.second) {
              return true;
            }
          }
          return false;
        });
        break;
      case FieldMatch::Op::kRange:
        ok = f.path.AnyValue(frame, [&f](const FieldValue& v) {
          return v.numeric && v.number >= f.match->min && v.number <= f.match->max;
        });
        break;
    }
    if (!ok) return false;
  }
  return true;
}

bool FaultRule::Roll() const {
  if (spec_.probability >= 1.0) return true;
  if (spec_.probability <= 0.0) return false;
  absl::MutexLock lock(&mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < spec_.probability;
}

void FaultRule::Apply(Frame frame, absl::Time now, HoldBudget* budget,
                      Decision* decision) const {
  const ActionSpec& a = spec_.action;
  decision->action = a.kind;
  decision->rule_id = spec_.id;
  switch (a.kind) {
    case ActionKind::kPass:
      decision->emits.push_back(
          MakeEmit(frame, absl::ZeroDuration(), frame.TakeBytes(), false));
      break;
    case ActionKind::kDrop:
      break;
    case ActionKind::kDelay: {
      absl::Duration d = a.delay;
      if (a.jitter > absl::ZeroDuration()) {
        absl::MutexLock lock(&mu_);
        d += absl::Nanoseconds(std::uniform_int_distribution<int64_t>(
            0, absl::ToInt64Nanoseconds(a.jitter))(rng_));
      }
      decision->emits.push_back(MakeEmit(frame, d, frame.TakeBytes(), false));
      break;
    }
    case ActionKind::kDuplicate:
      for (int i = 0; i < a.duplicates; ++i) {
        decision->emits.push_back(
            MakeEmit(frame, absl::ZeroDuration(), frame.bytes(), false));
      }
      decision->emits.push_back(
          MakeEmit(frame, absl::ZeroDuration(), frame.TakeBytes(), false));
      break;
    case ActionKind::kReplace:
      decision->emits.push_back(
          MakeEmit(frame, absl::ZeroDuration(), a.payload, false));
      break;
    case ActionKind::kRewrite: {
      auto out = rewriter_->Rewrite(frame);
      if (!out.ok()) {
        rewrite_errors_.fetch_add(1, std::memory_order_relaxed);
        decision->action = ActionKind::kPass;
        decision->emits.push_back(
            MakeEmit(frame, absl::ZeroDuration(), frame.TakeBytes(), false));
        return;
      }
      // A rewrite that gave the frame back as it was (another kind of
      // message than the rewriter changes) did not act on it.
      if (out->size() == 1 && (*out)[0] == frame.bytes()) {
        unchanged_.fetch_add(1, std::memory_order_relaxed);
        decision->action = ActionKind::kPass;
        decision->emits.push_back(
            MakeEmit(frame, absl::ZeroDuration(), frame.TakeBytes(), false));
        return;
      }
      for (std::string& bytes : *out) {
        decision->emits.push_back(
            MakeEmit(frame, absl::ZeroDuration(), std::move(bytes), false));
      }
      break;
    }
    case ActionKind::kPace: {
      // The frame leaves when the budget has had the time to send it: after
      // everything paced before it, bytes / rate later. Release times only
      // grow, so paced frames keep their order.
      const absl::Duration cost =
          absl::Seconds(static_cast<double>(frame.bytes().size()) / a.bytes_per_second);
      absl::Time release;
      {
        absl::MutexLock lock(&mu_);
        paced_until_ = std::max(paced_until_, now) + cost;
        release = paced_until_;
      }
      decision->emits.push_back(MakeEmit(frame, release - now, frame.TakeBytes(), false));
      break;
    }
    case ActionKind::kCut:
    case ActionKind::kReset:
    case ActionKind::kRefuse:
      // Never matches a frame (Matches); passed should one be applied anyway.
      decision->action = ActionKind::kPass;
      decision->emits.push_back(
          MakeEmit(frame, absl::ZeroDuration(), frame.TakeBytes(), false));
      return;
    case ActionKind::kHold: {
      absl::MutexLock lock(&mu_);
      if (retired_ || budget->held.load(std::memory_order_relaxed) >= budget->max_held) {
        hold_overflows_.fetch_add(1, std::memory_order_relaxed);
        decision->action = ActionKind::kPass;
        decision->emits.push_back(
            MakeEmit(frame, absl::ZeroDuration(), frame.TakeBytes(), false));
        return;
      }
      if (held_.empty()) hold_started_ = now;
      held_.push_back(std::move(frame));
      budget->held.fetch_add(1, std::memory_order_relaxed);
      decision->held = true;
      if (held_.size() >= static_cast<size_t>(a.hold_count)) {
        ReleaseLocked(budget, &decision->emits);
      }
      break;
    }
  }
  applied_.fetch_add(1, std::memory_order_relaxed);
}

void FaultRule::ReleaseLocked(HoldBudget* budget, std::vector<Emit>* out) const {
  if (held_.empty()) return;
  if (spec_.action.order == ActionSpec::Order::kReverse) {
    std::reverse(held_.begin(), held_.end());
  } else {
    std::shuffle(held_.begin(), held_.end(), rng_);
  }
  for (Frame& f : held_) {
    out->push_back(MakeEmit(f, absl::ZeroDuration(), f.TakeBytes(), true));
  }
  budget->held.fetch_sub(held_.size(), std::memory_order_relaxed);
  held_.clear();
}

void FaultRule::ReleaseHeld(absl::Time now, bool all, HoldBudget* budget,
                            std::vector<Emit>* out) const {
  if (spec_.action.kind != ActionKind::kHold) return;
  absl::MutexLock lock(&mu_);
  if (held_.empty()) return;
  if (all || now >= hold_started_ + spec_.action.hold_time) {
    ReleaseLocked(budget, out);
  }
}

std::optional<absl::Time> FaultRule::HoldDeadline() const {
  if (spec_.action.kind != ActionKind::kHold) return std::nullopt;
  absl::MutexLock lock(&mu_);
  if (held_.empty()) return std::nullopt;
  return hold_started_ + spec_.action.hold_time;
}

void FaultRule::Retire(HoldBudget* budget, std::vector<Emit>* out) const {
  absl::MutexLock lock(&mu_);
  retired_ = true;
  ReleaseLocked(budget, out);
}

RuleStats FaultRule::Stats() const {
  RuleStats stats;
  stats.id = spec_.id;
  stats.matched = matched_.load(std::memory_order_relaxed);
  stats.applied = applied_.load(std::memory_order_relaxed);
  stats.rewrite_errors = rewrite_errors_.load(std::memory_order_relaxed);
  stats.unchanged = unchanged_.load(std::memory_order_relaxed);
  stats.hold_overflows = hold_overflows_.load(std::memory_order_relaxed);
  if (rewriter_ != nullptr) stats.rewriter_counters = rewriter_->Counters();
  absl::MutexLock lock(&mu_);
  stats.held_now = held_.size();
  return stats;
}

}  // namespace agent
}  // namespace turncoat
