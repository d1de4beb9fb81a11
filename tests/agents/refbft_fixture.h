// The refbft test world, shared by the tests of the rewriters on real refbft
// envelopes: refbft.proto loaded at run time as a target's schema is (its
// payload declared embedded, as the agent declares every protobuf payload),
// the message model targets/refbft.yaml describes (replica ids "0".."3",
// with or without its certificates), an Ed25519 key pair per replica written
// where a rule's `key` param can name it, and sealing of signed envelopes.
//
// RefbftTest sets the world up once per test suite; everything it hands out
// lives until the suite ends. Not thread-safe.
#ifndef TURNCOAT_TESTS_AGENTS_REFBFT_FIXTURE_H_
#define TURNCOAT_TESTS_AGENTS_REFBFT_FIXTURE_H_

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "agents/message_codec.h"
#include "agents/message_model.h"
#include "common/ed25519.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "targets/refbft/refbft.pb.h"
#include "tests/agents/refbft_model_spec.h"

namespace turncoat {
namespace agent {
namespace refbft_test {

class RefbftTest : public ::testing::Test {
 public:  // the helpers are shared with free functions of the tests too
  static void SetUpTestSuite() {
    auto codec = MessageCodec::Load({TURNCOAT_SOURCE_DIR}, {"targets/refbft/refbft.proto"});
    ASSERT_TRUE(codec.ok()) << codec.status();
    ASSERT_TRUE((*codec)->SetEmbedded("refbft.Envelope", "payload", "refbft.Message").ok());
    codec_ = new std::shared_ptr<const MessageCodec>(std::move(*codec));
    char tmpl[] = "/tmp/refbft_fixture_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    keys_ = new std::map<uint32_t, Ed25519PrivateKey>();
    for (uint32_t id = 0; id < kReplicas; ++id) {
      auto key = Ed25519PrivateKey::Generate();
      ASSERT_TRUE(key.ok()) << key.status();
      ASSERT_TRUE(WriteKeyPair(*key, *dir_, absl::StrCat(id)).ok());
      keys_->emplace(id, *key);
    }
  }

  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
    delete keys_;
    delete codec_;
    dir_ = nullptr;
    keys_ = nullptr;
    codec_ = nullptr;
  }

  static const std::shared_ptr<const MessageCodec>& schema() { return *codec_; }
  static const MessageCodec* codec() { return codec_->get(); }
  static const google::protobuf::Descriptor* EnvelopeType() {
    return codec()->FindMessage("refbft.Envelope");
  }
  // RefbftModelSpec(certificates) built on schema(); fails the test (and
  // returns null) if it does not build.
  static std::shared_ptr<const MessageModel> BuildModel(bool certificates) {
    auto model = MessageModel::Build(RefbftModelSpec(certificates), schema());
    EXPECT_TRUE(model.ok()) << model.status();
    return model.ok() ? std::shared_ptr<const MessageModel>(*std::move(model)) : nullptr;
  }

  static std::string KeyPath(uint32_t id) { return absl::StrCat(*dir_, "/", id, ".key"); }
  static const Ed25519PrivateKey& Key(uint32_t id) { return keys_->at(id); }
  static Ed25519PublicKey Public(uint32_t id) { return keys_->at(id).PublicKey(); }

  // `message` in an envelope from `sender`, signed with `key`.
  static refbft::Envelope Sealed(const refbft::Message& message, uint32_t sender,
                                 const Ed25519PrivateKey& key) {
    refbft::Envelope env;
    env.set_sender(sender);
    env.set_payload(message.SerializeAsString());
    env.set_signature(key.Sign(env.payload()));
    return env;
  }
  // The same signed with the sender's own key.
  static refbft::Envelope Sealed(const refbft::Message& message, uint32_t sender) {
    return Sealed(message, sender, Key(sender));
  }

 private:
  static inline std::shared_ptr<const MessageCodec>* codec_ = nullptr;
  static inline std::string* dir_ = nullptr;
  static inline std::map<uint32_t, Ed25519PrivateKey>* keys_ = nullptr;
};

}  // namespace refbft_test
}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_TESTS_AGENTS_REFBFT_FIXTURE_H_
