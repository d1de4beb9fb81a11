// The pbft-like test world (tests/agents/testdata/pbftlike.proto), shared by
// the tests of the message model, its views, the Byzantine rewriters and the
// rule engine on a target that is not refbft: the schema loaded at run time
// as a target's is, a message model describing each of its peer messages
// (replica ids "r0".."r3", JSON bodies, ECDSA P-256 with DER signatures
// unless told otherwise), a key pair per replica written in the encodings
// the model names, and builders of bodies and signed messages.
//
// PbftLikeTest sets the world up once per test suite; everything it hands
// out lives until the suite ends. Not thread-safe.
#ifndef TURNCOAT_TESTS_AGENTS_PBFTLIKE_FIXTURE_H_
#define TURNCOAT_TESTS_AGENTS_PBFTLIKE_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "agents/external_codec.h"
#include "agents/frame.h"
#include "agents/message_codec.h"
#include "agents/message_model.h"
#include "agents/message_rewriter.h"
#include "agents/message_view.h"
#include "common/signing_key.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/agents/testdata/pbftlike.pb.h"

namespace turncoat {
namespace agent {
namespace pbftlike_test {

using Json = nlohmann::ordered_json;

inline constexpr char kPrePrepare[] = "/pbftlike.Replica/PrePrepare";
inline constexpr char kPrepare[] = "/pbftlike.Replica/Prepare";
inline constexpr char kRetransmitPrepare[] = "/pbftlike.Replica/RetransmitPrepare";
inline constexpr char kCommit[] = "/pbftlike.Replica/Commit";
inline constexpr char kCheckpoint[] = "/pbftlike.Replica/Checkpoint";
inline constexpr char kStatus[] = "/pbftlike.Replica/Status";
inline constexpr char kViewChange[] = "/pbftlike.Replica/ViewChange";
inline constexpr char kGossip[] = "/pbftlike.Replica/Gossip";
inline constexpr char kReply[] = "/pbftlike.Replica/Reply";
inline constexpr char kHeartbeat[] = "/pbftlike.Replica/Heartbeat";
inline constexpr char kBlob[] = "/pbftlike.Replica/Blob";
inline constexpr char kVote[] = "/pbftlike.Replica/Vote";

// The replica whose key the rewriters hold, and an honest one.
inline constexpr int kByzantine = 1;
inline constexpr int kHonest = 0;

struct ModelOptions {
  KeyScheme scheme = KeyScheme::kEcdsaP256;
  SignatureEncoding signature = SignatureEncoding::kDer;
  KeyEncoding private_encoding = KeyEncoding::kPem;
  // How CheckpointMsg.sig_hex holds its signature.
  SignatureText checkpoint_text = SignatureText::kHex;
  std::vector<std::string> ids = {"r0", "r1", "r2", "r3"};
  // The external codec the vote kind reads through; empty: no vote kind.
  std::string vote_codec;
};

// One entry per kind of pbftlike.Replica's requests (see the .proto):
//   pre-prepare, prepare (two methods), commit, checkpoint: fixed kinds, JSON
//     body signed as it is, round [body.view, body.seq] (checkpoint:
//     [body.seq]), values body.requests.op (pre-prepare only)
//   status: unsigned, kind = the only key of the JSON body, round
//     [body.Alive.view | body.Lagging.view]
//   view-change: kind body.type, sender body.replica, round [body.new_view]
//   gossip: no payload, kind oneof msg, signature over the whole message,
//     values batch.requests.op, round [batch.view | ping.view, batch.seq]
//   reply: sender header.sender, signature over the header message
//   heartbeat: integer sender, protobuf payload pbftlike.Control, kind oneof
//     payload.kind, signature over payload.stamp, values
//     payload.batch.requests.op, round [payload.ping.view |
//     payload.batch.view, payload.batch.seq]
//   blob: opaque payload `data`, round [seq]
//   vote (with vote_codec): external payload `vote` of type "vote", round
//     [vote.view, vote.height]
MessageModelSpec PbftSpec(const ModelOptions& options = {});
// The entry of `spec` for `method`; aborts the test if there is none.
MessageKindSpec& KindOf(MessageModelSpec& spec, absl::string_view method);

// pbftlike.proto loaded at run time, with the heartbeat's protobuf payload
// declared embedded, as the agent declares every protobuf payload.
absl::StatusOr<std::shared_ptr<const MessageCodec>> LoadPbftSchema();

// Key pairs for replicas 0..n-1, in a fresh directory (removed with the
// ring): `<i>.key` in the private encoding asked for, `<i>.pub` in PEM.
class KeyRing {
 public:
  static absl::StatusOr<std::unique_ptr<KeyRing>> Generate(KeyScheme scheme,
                                                           KeyEncoding private_encoding, int n = 4);
  ~KeyRing();

  const PrivateKey& key(int replica) const { return keys_.at(replica); }
  const PublicKey& pub(int replica) const { return keys_.at(replica).public_key(); }
  std::string path(int replica) const;

 private:
  KeyRing() = default;
  std::string dir_;
  std::vector<PrivateKey> keys_;
};

// JSON bodies, compact when serialized, keys in PBFT's order (not sorted).
Json PrePrepareBody(int view, int seq, const std::vector<std::string>& ops);
Json PhaseBody(absl::string_view type, int view, int seq, absl::string_view replica);
std::string Compact(const Json& body);

// `text` split into a tree path; fails the test if it is not one.
TreePath P(absl::string_view text);
// The text of every scalar `path` reaches in `tree`, in order.
std::vector<std::string> Texts(const MessageTree& tree, absl::string_view path);

class PbftLikeTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  static const std::shared_ptr<const MessageCodec>& schema() { return *schema_; }
  // PbftSpec() with its defaults, built on schema().
  static const std::shared_ptr<const MessageModel>& model() { return *model_; }
  // The P-256 keys of the four replicas, private keys in PEM.
  static const KeyRing& keys() { return **keys_; }

  // `spec` built on schema(); fails the test (and returns null) if it does
  // not build.
  static std::shared_ptr<const MessageModel> BuildModel(
      MessageModelSpec spec, std::map<std::string, std::shared_ptr<ExternalCodec>> codecs = {});

  // ECDSA-DER signature of replica `replica` over `bytes`.
  static std::string Sign(absl::string_view bytes, int replica);

  // A message of a body-signed type (PrePrepareMsg, PrepareMsg, CommitMsg),
  // signed over its body by `replica`'s key.
  template <typename M>
  static std::string BodySigned(const std::string& sender, const Json& body, int replica) {
    M m;
    m.set_sender(sender);
    m.set_body(Compact(body));
    m.set_sig(Sign(m.body(), replica));
    return m.SerializeAsString();
  }
  // What replica `replica` sends honestly.
  static std::string PrePrepare(int replica, const Json& body) {
    return BodySigned<pbftlike::PrePrepareMsg>(absl::StrCat("r", replica), body, replica);
  }
  static std::string Prepare(int replica, const Json& body) {
    return BodySigned<pbftlike::PrepareMsg>(absl::StrCat("r", replica), body, replica);
  }

  // A request frame of `method` on link 1 -> 0, read through `model`
  // (default: model()).
  static Frame PeerFrame(absl::string_view method, std::string bytes,
                         const MessageModel* model = nullptr);
  // `bytes` opened as a message of `method`; fails the test on an error.
  static std::unique_ptr<MessageView> Open(absl::string_view method, absl::string_view bytes,
                                           const MessageModel* model = nullptr);

  // The rewriter `name`, built as the rule engine builds it for a rule that
  // pins `method` (when given) on `model` (default: model()).
  static absl::StatusOr<std::unique_ptr<MessageRewriter>> MakeRewriter(
      const std::string& name, const RewriterParams& params, absl::string_view method = "",
      const MessageModel* model = nullptr);
  static std::unique_ptr<MessageRewriter> MustMake(const std::string& name,
                                                   const RewriterParams& params,
                                                   absl::string_view method = "",
                                                   const MessageModel* model = nullptr);
  // The rewriter's output for `bytes` sent as `method`; fails the test on
  // an error.
  static std::vector<std::string> Run(MessageRewriter& rewriter, absl::string_view method,
                                      const std::string& bytes,
                                      const MessageModel* model = nullptr);

 private:
  static inline std::shared_ptr<const MessageCodec>* schema_ = nullptr;
  static inline std::shared_ptr<const MessageModel>* model_ = nullptr;
  static inline std::unique_ptr<KeyRing>* keys_ = nullptr;
};

}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_TESTS_AGENTS_PBFTLIKE_FIXTURE_H_
