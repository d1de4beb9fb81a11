#include "tests/agents/pbftlike_fixture.h"

#include <stdlib.h>

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"

namespace turncoat {
namespace agent {
namespace pbftlike_test {
namespace {

MessageKindSpec BodyKind(std::vector<std::string> methods, std::string kind) {
  MessageKindSpec k;
  k.methods = std::move(methods);
  k.kind = std::move(kind);
  k.sender = "sender";
  k.signature = "sig";
  k.signature_covers = "body";
  k.payload = "body";
  k.payload_codec = PayloadCodecKind::kJson;
  k.round = {{"body.view"}, {"body.seq"}};
  return k;
}

}  // namespace

MessageModelSpec PbftSpec(const ModelOptions& options) {
  MessageModelSpec spec;
  spec.replica_ids = options.ids;
  spec.key_scheme = options.scheme;
  spec.private_encoding = options.private_encoding;
  spec.signature_encoding = options.signature;

  MessageKindSpec pre_prepare = BodyKind({kPrePrepare}, "pre-prepare");
  pre_prepare.values = "body.requests.op";
  spec.messages.push_back(pre_prepare);
  spec.messages.push_back(BodyKind({kPrepare, kRetransmitPrepare}, "prepare"));
  spec.messages.push_back(BodyKind({kCommit}, "commit"));

  MessageKindSpec checkpoint = BodyKind({kCheckpoint}, "checkpoint");
  checkpoint.signature = "sig_hex";
  checkpoint.signature_text = options.checkpoint_text;
  checkpoint.round = {{"body.seq"}};
  spec.messages.push_back(checkpoint);

  MessageKindSpec status = BodyKind({kStatus}, "");
  status.kind_oneof = "body";
  status.signature.clear();
  status.signature_covers.clear();
  status.round = {{"body.Alive.view", "body.Lagging.view"}};
  spec.messages.push_back(status);

  MessageKindSpec view_change = BodyKind({kViewChange}, "");
  view_change.kind_field = "body.type";
  view_change.sender = "body.replica";
  view_change.round = {{"body.new_view"}};
  spec.messages.push_back(view_change);

  MessageKindSpec gossip;
  gossip.methods = {kGossip};
  gossip.kind_oneof = "msg";
  gossip.sender = "sender";
  gossip.signature = "sig";
  gossip.values = "batch.requests.op";
  gossip.round = {{"batch.view", "ping.view"}, {"batch.seq"}};
  spec.messages.push_back(gossip);

  MessageKindSpec reply;
  reply.methods = {kReply};
  reply.kind = "reply";
  reply.sender = "header.sender";
  reply.signature = "sig";
  reply.signature_covers = "header";
  reply.round = {{"header.view"}, {"header.seq"}};
  spec.messages.push_back(reply);

  MessageKindSpec heartbeat;
  heartbeat.methods = {kHeartbeat};
  heartbeat.kind_oneof = "payload.kind";
  heartbeat.sender = "sender";
  heartbeat.signature = "sig";
  heartbeat.signature_covers = "payload.stamp";
  heartbeat.payload = "payload";
  heartbeat.payload_codec = PayloadCodecKind::kProtobuf;
  heartbeat.payload_type = "pbftlike.Control";
  heartbeat.values = "payload.batch.requests.op";
  heartbeat.round = {{"payload.ping.view", "payload.batch.view"}, {"payload.batch.seq"}};
  spec.messages.push_back(heartbeat);

  MessageKindSpec blob;
  blob.methods = {kBlob};
  blob.kind = "blob";
  blob.sender = "sender";
  blob.signature = "sig";
  blob.signature_covers = "data";
  blob.payload = "data";
  blob.payload_codec = PayloadCodecKind::kOpaque;
  blob.round = {{"seq"}};
  spec.messages.push_back(blob);

  if (!options.vote_codec.empty()) {
    MessageKindSpec vote;
    vote.methods = {kVote};
    vote.kind = "vote";
    vote.sender = "sender";
    vote.signature = "sig";
    vote.signature_covers = "vote";
    vote.payload = "vote";
    vote.payload_codec = PayloadCodecKind::kExternal;
    vote.payload_external = options.vote_codec;
    vote.payload_type = "vote";
    vote.round = {{"vote.view"}, {"vote.height"}};
    spec.messages.push_back(vote);
  }
  return spec;
}

MessageKindSpec& KindOf(MessageModelSpec& spec, absl::string_view method) {
  for (MessageKindSpec& kind : spec.messages) {
    for (const std::string& m : kind.methods) {
      if (m == method) return kind;
    }
  }
  ADD_FAILURE() << "no kind for " << method;
  abort();
}

absl::StatusOr<std::shared_ptr<const MessageCodec>> LoadPbftSchema() {
  auto codec = MessageCodec::Load({std::string(TURNCOAT_SOURCE_DIR) + "/tests/agents/testdata"},
                                  {"pbftlike.proto"});
  if (!codec.ok()) return codec.status();
  if (absl::Status s =
          (*codec)->SetEmbedded("pbftlike.HeartbeatMsg", "payload", "pbftlike.Control");
      !s.ok()) {
    return s;
  }
  return std::shared_ptr<const MessageCodec>(std::move(*codec));
}

absl::StatusOr<std::unique_ptr<KeyRing>> KeyRing::Generate(KeyScheme scheme,
                                                           KeyEncoding private_encoding, int n) {
  std::unique_ptr<KeyRing> ring(new KeyRing());
  std::string tmpl = ::testing::TempDir() + "/turncoat_pbftlike_keys_XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  ring->dir_ = tmpl;
  for (int i = 0; i < n; ++i) {
    auto key = PrivateKey::Generate(scheme);
    if (!key.ok()) return key.status();
    if (absl::Status s =
            WriteKeyPair(*key, ring->dir_, absl::StrCat(i), private_encoding, KeyEncoding::kPem);
        !s.ok()) {
      return s;
    }
    ring->keys_.push_back(*std::move(key));
  }
  return ring;
}

KeyRing::~KeyRing() {
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string KeyRing::path(int replica) const { return absl::StrCat(dir_, "/", replica, ".key"); }

Json PrePrepareBody(int view, int seq, const std::vector<std::string>& ops) {
  Json requests = Json::array();
  for (size_t i = 0; i < ops.size(); ++i) {
    requests.push_back(Json{
        {"client", absl::StrCat("c", i % 2)}, {"ts", 5 + static_cast<int>(i)}, {"op", ops[i]}});
  }
  return Json{{"type", "pre-prepare"},
              {"view", view},
              {"seq", seq},
              {"digest", "ab54c0de"},
              {"requests", requests}};
}

Json PhaseBody(absl::string_view type, int view, int seq, absl::string_view replica) {
  return Json{{"type", std::string(type)},
              {"view", view},
              {"seq", seq},
              {"digest", "ab54c0de"},
              {"replica", std::string(replica)}};
}

std::string Compact(const Json& body) { return body.dump(); }

TreePath P(absl::string_view text) {
  auto path = ParseTreePath(text);
  EXPECT_TRUE(path.ok()) << path.status();
  return path.ok() ? *std::move(path) : TreePath{};
}

std::vector<std::string> Texts(const MessageTree& tree, absl::string_view path) {
  std::vector<std::string> texts;
  tree.AnyValue(P(path), [&texts](const FieldValue& v) {
    texts.push_back(v.text);
    return false;
  });
  return texts;
}

void PbftLikeTest::SetUpTestSuite() {
  auto schema = LoadPbftSchema();
  ASSERT_TRUE(schema.ok()) << schema.status();
  schema_ = new std::shared_ptr<const MessageCodec>(*std::move(schema));
  auto model = MessageModel::Build(PbftSpec(), *schema_);
  ASSERT_TRUE(model.ok()) << model.status();
  model_ = new std::shared_ptr<const MessageModel>(*std::move(model));
  auto keys = KeyRing::Generate(KeyScheme::kEcdsaP256, KeyEncoding::kPem);
  ASSERT_TRUE(keys.ok()) << keys.status();
  keys_ = new std::unique_ptr<KeyRing>(*std::move(keys));
}

void PbftLikeTest::TearDownTestSuite() {
  delete keys_;
  keys_ = nullptr;
  delete model_;
  model_ = nullptr;
  delete schema_;
  schema_ = nullptr;
}

std::shared_ptr<const MessageModel> PbftLikeTest::BuildModel(
    MessageModelSpec spec, std::map<std::string, std::shared_ptr<ExternalCodec>> codecs) {
  auto model = MessageModel::Build(std::move(spec), schema(), std::move(codecs));
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return nullptr;
  return std::shared_ptr<const MessageModel>(*std::move(model));
}

std::string PbftLikeTest::Sign(absl::string_view bytes, int replica) {
  auto signature = keys().key(replica).Sign(bytes, SignatureEncoding::kDer);
  EXPECT_TRUE(signature.ok()) << signature.status();
  return signature.ok() ? *signature : std::string();
}

Frame PbftLikeTest::PeerFrame(absl::string_view method, std::string bytes,
                              const MessageModel* model) {
  return Frame(1, {1, 0}, method, Direction::kRequest, std::move(bytes), schema().get(), nullptr,
               model == nullptr ? PbftLikeTest::model().get() : model);
}

std::unique_ptr<MessageView> PbftLikeTest::Open(absl::string_view method, absl::string_view bytes,
                                                const MessageModel* model) {
  if (model == nullptr) model = PbftLikeTest::model().get();
  const MessageModel::Kind* kind = model->ForMethod(method);
  EXPECT_NE(kind, nullptr) << method;
  if (kind == nullptr) return nullptr;
  auto view = MessageView::Open(*model, *kind, bytes);
  EXPECT_TRUE(view.ok()) << view.status();
  return view.ok() ? *std::move(view) : nullptr;
}

absl::StatusOr<std::unique_ptr<MessageRewriter>> PbftLikeTest::MakeRewriter(
    const std::string& name, const RewriterParams& params, absl::string_view method,
    const MessageModel* model) {
  if (model == nullptr) model = PbftLikeTest::model().get();
  RewriterContext context;
  context.params = &params;
  context.codec = schema().get();
  context.model = model;
  if (!method.empty()) {
    context.root = schema()->TypeOf(method, Direction::kRequest);
    context.kind = model->ForMethod(method);
  }
  return RewriterRegistry::Create(name, context);
}

std::unique_ptr<MessageRewriter> PbftLikeTest::MustMake(const std::string& name,
                                                        const RewriterParams& params,
                                                        absl::string_view method,
                                                        const MessageModel* model) {
  auto rewriter = MakeRewriter(name, params, method, model);
  EXPECT_TRUE(rewriter.ok()) << rewriter.status();
  return rewriter.ok() ? *std::move(rewriter) : nullptr;
}

std::vector<std::string> PbftLikeTest::Run(MessageRewriter& rewriter, absl::string_view method,
                                           const std::string& bytes, const MessageModel* model) {
  Frame frame = PeerFrame(method, bytes, model);
  auto out = rewriter.Rewrite(frame);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *std::move(out) : std::vector<std::string>{};
}

}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat
