#include "agents/control_specs.h"

#include <filesystem>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agents/external_codec.h"
#include "common/signing_key.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace agent {

static_assert(static_cast<int>(ActionKind::kRewrite) == v1::Action::REWRITE &&
                  static_cast<int>(ActionKind::kPace) == v1::Action::PACE,
              "ActionKind converts from Action.Kind by number");

absl::StatusOr<RuleSpec> ToRuleSpec(const v1::Rule& r) {
  RuleSpec spec;
  spec.id = r.id();
  if (r.has_from()) spec.from = r.from();
  if (r.has_to()) spec.to = r.to();
  spec.method = r.method();
  spec.method_regex = r.method_regex();
  if (r.has_direction()) {
    spec.direction = r.direction() == v1::REQUEST ? Direction::kRequest : Direction::kResponse;
  }
  spec.message_type = r.message_type();
  spec.kinds.assign(r.kinds().begin(), r.kinds().end());
  if (r.has_rounds()) spec.rounds = RoundRange{r.rounds().first(), r.rounds().last()};
  switch (r.leader()) {
    case v1::Rule::SELF:
      spec.leader = LeaderCondition::kSelf;
      break;
    case v1::Rule::NOT_SELF:
      spec.leader = LeaderCondition::kNotSelf;
      break;
    case v1::Rule::ANY:
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "rule '", r.id(), "': unknown leader condition ", r.leader(),
          "; this agent knows ANY, SELF and NOT_SELF (is it older than the controller?)"));
  }
  if (r.has_probability()) spec.probability = r.probability();
  for (const v1::FieldMatch& f : r.fields()) {
    FieldMatch m;
    m.path = f.path();
    m.op = static_cast<FieldMatch::Op>(f.op());
    m.values.assign(f.values().begin(), f.values().end());
    m.min = f.min();
    m.max = f.max();
    spec.fields.push_back(std::move(m));
  }
  const v1::Action& a = r.action();
  ActionSpec& act = spec.action;
  if (a.kind() < v1::Action::PASS || a.kind() > v1::Action::PACE) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rule '", r.id(), "': unknown action ", a.kind(),
        " (is this agent older than the controller?)"));
  }
  act.kind = static_cast<ActionKind>(a.kind());
  act.delay = absl::Milliseconds(a.delay_ms());
  act.jitter = absl::Milliseconds(a.jitter_ms());
  if (a.duplicates() > 0) act.duplicates = static_cast<int>(a.duplicates());
  if (a.hold_count() > 0) act.hold_count = static_cast<int>(a.hold_count());
  if (a.hold_ms() > 0) act.hold_time = absl::Milliseconds(a.hold_ms());
  act.order = a.shuffle() ? ActionSpec::Order::kShuffle : ActionSpec::Order::kReverse;
  act.payload = a.payload();
  act.rewriter = a.rewriter();
  act.params.insert(a.params().begin(), a.params().end());
  act.bytes_per_second = a.bytes_per_second();
  return spec;
}

namespace {

absl::StatusOr<PayloadCodecKind> ToCodecKind(const std::string& name) {
  if (name.empty()) return PayloadCodecKind::kNone;
  if (name == "protobuf") return PayloadCodecKind::kProtobuf;
  if (name == "json") return PayloadCodecKind::kJson;
  if (name == "opaque") return PayloadCodecKind::kOpaque;
  if (name == "external") return PayloadCodecKind::kExternal;
  return absl::InvalidArgumentError(absl::StrCat("unknown payload codec '", name, "'"));
}

absl::StatusOr<SignatureText> ToSignatureText(const std::string& name) {
  if (name.empty() || name == "raw") return SignatureText::kRaw;
  if (name == "hex") return SignatureText::kHex;
  if (name == "base64") return SignatureText::kBase64;
  return absl::InvalidArgumentError(absl::StrCat("unknown signature text encoding '", name, "'"));
}

std::vector<std::vector<std::string>> ToRound(
    const google::protobuf::RepeatedPtrField<v1::MessageKind::RoundPart>& parts) {
  std::vector<std::vector<std::string>> round;
  for (const auto& part : parts) round.emplace_back(part.paths().begin(), part.paths().end());
  return round;
}

// A kind of message, or (within a certificate) the layout of a vote.
absl::StatusOr<MessageKindSpec> ToKindSpec(const v1::MessageKind& k) {
  MessageKindSpec kind;
  kind.methods.assign(k.methods().begin(), k.methods().end());
  kind.kind = k.kind();
  kind.kind_oneof = k.kind_oneof();
  kind.kind_field = k.kind_field();
  kind.sender = k.sender();
  kind.sender_also.assign(k.sender_also().begin(), k.sender_also().end());
  kind.signature = k.signature();
  kind.signature_covers = k.signature_covers();
  auto text = ToSignatureText(k.signature_text());
  if (!text.ok()) return text.status();
  kind.signature_text = *text;
  kind.payload = k.payload();
  auto codec = ToCodecKind(k.payload_codec());
  if (!codec.ok()) return codec.status();
  kind.payload_codec = *codec;
  kind.payload_type = k.payload_type();
  kind.payload_external = k.payload_external();
  kind.values = k.values();
  kind.round = ToRound(k.round());
  for (const v1::MessageKind::Certificate& c : k.certificates()) {
    CertificateSpec certificate;
    certificate.at.assign(c.at().begin(), c.at().end());
    certificate.votes = c.votes();
    certificate.round = ToRound(c.round());
    certificate.block = c.block();
    auto vote = ToKindSpec(c.vote());
    if (!vote.ok()) return vote.status();
    certificate.vote = *std::move(vote);
    certificate.vote_block = c.vote_block();
    kind.certificates.push_back(std::move(certificate));
  }
  return kind;
}

}  // namespace

absl::StatusOr<MessageModelSpec> ToModelSpec(const v1::MessageModel& m) {
  MessageModelSpec spec;
  spec.replica_ids.assign(m.replica_ids().begin(), m.replica_ids().end());
  if (!m.key_scheme().empty()) {
    auto scheme = ParseKeyScheme(m.key_scheme());
    if (!scheme.ok()) return scheme.status();
    spec.key_scheme = *scheme;
  }
  if (!m.private_encoding().empty()) {
    auto encoding = ParseKeyEncoding(m.private_encoding());
    if (!encoding.ok()) return encoding.status();
    spec.private_encoding = *encoding;
  }
  spec.signature_encoding = DefaultSignatureEncoding(spec.key_scheme);
  if (!m.signature_encoding().empty()) {
    auto encoding = ParseSignatureEncoding(m.signature_encoding());
    if (!encoding.ok()) return encoding.status();
    spec.signature_encoding = *encoding;
  }
  for (const v1::MessageKind& k : m.messages()) {
    auto kind = ToKindSpec(k);
    if (!kind.ok()) return kind.status();
    spec.messages.push_back(*std::move(kind));
  }
  return spec;
}

namespace {

// Declares the protobuf payload of `kind` embedded in its request type.
absl::Status DeclareEmbedded(MessageCodec& codec, const MessageKindSpec& kind) {
  const google::protobuf::Descriptor* outer = codec.TypeOf(kind.methods[0], Direction::kRequest);
  if (outer == nullptr) return absl::NotFoundError(absl::StrCat("no method ", kind.methods[0]));
  auto path = ParseTreePath(kind.payload);
  if (!path.ok()) return path.status();
  for (size_t i = 0; i + 1 < path->size(); ++i) {
    const google::protobuf::FieldDescriptor* f = outer->FindFieldByName((*path)[i]);
    if (f == nullptr || f->message_type() == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("payload '", kind.payload, "' does not go through messages of ",
                       outer->full_name()));
    }
    outer = f->message_type();
  }
  return codec.SetEmbedded(outer->full_name(), path->back(), kind.payload_type);
}

}  // namespace

absl::StatusOr<LoadedTarget> LoadTarget(const v1::LoadTargetRequest& req, bool start_codecs) {
  auto codec = MessageCodec::Load({req.import_paths().begin(), req.import_paths().end()},
                                  {req.files().begin(), req.files().end()});
  if (!codec.ok()) return codec.status();
  auto spec = ToModelSpec(req.model());
  if (!spec.ok()) return spec.status();
  for (const MessageKindSpec& kind : spec->messages) {
    if (kind.payload_codec != PayloadCodecKind::kProtobuf || kind.methods.empty()) continue;
    if (absl::Status s = DeclareEmbedded(**codec, kind); !s.ok()) return s;
  }
  std::map<std::string, std::shared_ptr<ExternalCodec>> codecs;
  for (const v1::ExternalCodecCommand& command : req.codecs()) {
    if (!start_codecs) {
      codecs[command.name()] = nullptr;
      continue;
    }
    ExternalCodec::Options options;
    options.argv.assign(command.argv().begin(), command.argv().end());
    options.env.assign(command.env().begin(), command.env().end());
    options.workdir = command.workdir();
    if (!command.workdir().empty()) {
      std::error_code ec;
      std::filesystem::create_directories(command.workdir(), ec);
      options.stderr_path = absl::StrCat(command.workdir(), "/codec-", command.name(), ".stderr.log");
    }
    auto started = ExternalCodec::Start(std::move(options));
    if (!started.ok()) return started.status();
    codecs[command.name()] = *std::move(started);
  }
  std::shared_ptr<const MessageCodec> schema(std::move(*codec));
  auto model = MessageModel::Build(*std::move(spec), schema, std::move(codecs));
  if (!model.ok()) return model.status();
  LoadedTarget loaded{schema, std::shared_ptr<const MessageModel>(std::move(*model)), nullptr};
  if (req.has_framing()) {
    auto framing = ToFramingSpec(req.framing());
    if (!framing.ok()) return framing.status();
    auto format = FrameFormat::Compile(*std::move(framing));
    if (!format.ok()) return format.status();
    loaded.framing = std::make_shared<const FrameFormat>(*std::move(format));
  }
  return loaded;
}

absl::StatusOr<FramingSpec> ToFramingSpec(const v1::Framing& framing) {
  const auto field = [](const v1::Framing::Field& f) { return HeaderField{f.offset(), f.size()}; };
  FramingSpec spec;
  spec.header_bytes = framing.header_bytes();
  spec.big_endian = !framing.little_endian();
  spec.magic = field(framing.magic());
  spec.magic_value = framing.magic_value();
  spec.type = field(framing.type());
  spec.length = field(framing.length());
  spec.length_counts = framing.length_counts_frame() ? FrameSpan::kFrame : FrameSpan::kPayload;
  spec.checksum = field(framing.checksum());
  if (spec.checksum.present()) {
    auto algorithm = ChecksumAlgorithmNamed(framing.checksum_algorithm());
    if (!algorithm.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "framing: unknown checksum algorithm '", framing.checksum_algorithm(),
          "'; expected crc32, crc32c or sha256d"));
    }
    spec.checksum_algorithm = *algorithm;
  }
  spec.checksum_covers = framing.checksum_covers_frame() ? FrameSpan::kFrame : FrameSpan::kPayload;
  if (framing.has_checksum_from()) {
    spec.checksum_covers = FrameSpan::kFrom;
    spec.checksum_from = framing.checksum_from();
  }
  spec.types.insert(framing.types().begin(), framing.types().end());
  if (framing.max_frame_bytes() != 0) spec.max_frame_bytes = framing.max_frame_bytes();
  return spec;
}

}  // namespace agent
}  // namespace turncoat
