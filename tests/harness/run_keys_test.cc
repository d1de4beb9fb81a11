// MakeRunKeys (harness/run_keys.h): the key pairs of a run, made by turncoat
// in every scheme and encoding, or by the system's own keygen (played by
// testdata/keygen/fake_keygen.py, which also misbehaves on request).
#include "harness/run_keys.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/signing_key.h"
#include "gtest/gtest.h"
#include "loaders/target_loader.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

const std::string kData = TURNCOAT_TESTDATA_DIR;

// A refbft-shaped target whose keys line is KEYS; it sits (virtually) in
// testdata/keygen, so {{target_dir}} is where the fake keygen is.
constexpr char kTarget[] = R"(name: k
ids: { replica: "r{{index}}", client: "c{{index}}" }
replica:
  command: [bin]
KEYS
transport: grpc
protocol:
  protos: [../../../../targets/refbft/refbft.proto]
  import_paths: [../../../../targets/refbft]
  messages:
    - { method: /refbft.Peer/Send, sender: sender, signature: signature }
observe:
  commits: { stream: stdout, json: { value: value } }
client:
  grpc: { method: /refbft.Client/Submit, request: refbft.SubmitRequest, value: value }
)";

TargetSpec Target(const std::string& keys) {
  absl::StatusOr<TargetSpec> t =
      ParseTarget(absl::StrReplaceAll(kTarget, {{"KEYS", keys}}), kData + "/keygen/k.yaml");
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : TargetSpec();
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Mode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

// A fresh directory per test, under the test's temporary directory.
std::string FreshDir(const std::string& name) {
  const std::string dir = (fs::path(testing::TempDir()) / "run_keys_test" / name).string();
  fs::remove_all(dir);
  return dir;
}

// What every binding of a key pair made for a run must satisfy.
void ExpectPair(const KeyBinding& b, const KeySpec& spec, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(fs::exists(b.private_file)) << b.private_file;
  ASSERT_TRUE(fs::exists(b.public_file)) << b.public_file;
  EXPECT_EQ(Mode(b.private_file), 0600);
  EXPECT_EQ(absl::StripAsciiWhitespace(Read(b.private_file)), b.private_text);
  EXPECT_EQ(absl::StripAsciiWhitespace(Read(b.public_file)), b.public_text);
  EXPECT_FALSE(b.private_text.empty());
  EXPECT_FALSE(b.public_text.empty());
  absl::StatusOr<PrivateKey> key =
      PrivateKey::LoadFile(b.private_file, spec.scheme, spec.private_encoding);
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<PublicKey> pub =
      PublicKey::LoadFile(b.public_file, spec.scheme, spec.public_encoding);
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_TRUE(*pub == key->public_key());
  // The texts parse too: they are what templates hand the system.
  EXPECT_TRUE(PrivateKey::Parse(b.private_text, spec.scheme, spec.private_encoding).ok());
  EXPECT_TRUE(PublicKey::Parse(b.public_text, spec.scheme, spec.public_encoding).ok());
  absl::StatusOr<std::string> signature = key->Sign("m", spec.signature_encoding);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_TRUE(pub->Verify("m", *signature, spec.signature_encoding));
}

TEST(RunKeysTest, EverySchemeAndEncoding) {
  for (const char* scheme : {"ed25519", "ecdsa-p256", "secp256k1"}) {
    for (const char* encoding : {"pem", "hex", "base64"}) {
      // Public keys in another encoding than private ones, to tell them apart.
      const char* public_encoding = std::string(encoding) == "pem" ? "hex" : "pem";
      const TargetSpec t = Target(absl::StrCat("keys: { scheme: ", scheme, ", private: ", encoding,
                                               ", public: ", public_encoding, " }"));
      const std::string dir = FreshDir(absl::StrCat(scheme, "-", encoding));
      absl::StatusOr<RunKeys> keys = MakeRunKeys(t, 4, 2, dir, "/build");
      ASSERT_TRUE(keys.ok()) << keys.status();
      ASSERT_EQ(keys->replicas.size(), 4u);
      ASSERT_EQ(keys->clients.size(), 2u);
      std::set<std::string> distinct;
      for (int i = 0; i < 4; ++i) {
        const KeyBinding& b = keys->replicas[i];
        EXPECT_EQ(b.private_file, absl::StrCat(dir, "/", i, ".key"));
        EXPECT_EQ(b.public_file, absl::StrCat(dir, "/", i, ".pub"));
        ExpectPair(b, t.keys, absl::StrCat(scheme, " ", encoding, " replica ", i));
        distinct.insert(b.private_text);
      }
      for (int c = 0; c < 2; ++c) {
        const KeyBinding& b = keys->clients[c];
        EXPECT_EQ(b.private_file, absl::StrCat(dir, "/client-", c, ".key"));
        EXPECT_EQ(b.public_file, absl::StrCat(dir, "/client-", c, ".pub"));
        ExpectPair(b, t.keys, absl::StrCat(scheme, " ", encoding, " client ", c));
        distinct.insert(b.private_text);
      }
      EXPECT_EQ(distinct.size(), 6u) << "every replica and client has its own key";
    }
  }
}

TEST(RunKeysTest, PemTextsAreThePemBlocks) {
  const TargetSpec t = Target("keys: ed25519");
  absl::StatusOr<RunKeys> keys = MakeRunKeys(t, 1, 0, FreshDir("pem"), "/build");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_TRUE(absl::StartsWith(keys->replicas[0].private_text, "-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_TRUE(absl::EndsWith(keys->replicas[0].private_text, "-----END PRIVATE KEY-----"));
  EXPECT_TRUE(absl::StartsWith(keys->replicas[0].public_text, "-----BEGIN PUBLIC KEY-----\n"));
  EXPECT_TRUE(keys->clients.empty());
}

// keys.generate over the fake keygen in MODE, with the target's encodings.
TargetSpec KeygenTarget(const std::string& mode, const std::string& scheme,
                        const std::string& private_encoding, const std::string& public_encoding) {
  return Target(absl::StrCat(
      "keys:\n"
      "  scheme: ",
      scheme,
      "\n"
      "  private: ",
      private_encoding,
      "\n"
      "  public: ",
      public_encoding,
      "\n"
      "  generate:\n"
      "    command: [/usr/bin/python3, \"{{target_dir}}/fake_keygen.py\", ",
      mode, ", ", scheme, ", ", private_encoding, ", ", public_encoding,
      ",\n"
      "              \"{{dir}}/{{id}}-{{role}}-{{number}}.sk\", \"{{dir}}/{{id}}.pk\"]\n"
      "    private_file: \"{{dir}}/{{id}}-{{role}}-{{number}}.sk\"\n"
      "    public_file: \"{{dir}}/{{id}}.pk\""));
}

TEST(RunKeysTest, KeygenMakesEveryPair) {
  struct Case {
    const char* scheme;
    const char* private_encoding;
    const char* public_encoding;
  };
  for (const Case& c : {Case{"ed25519", "pem", "pem"}, Case{"ecdsa-p256", "hex", "base64"},
                        Case{"secp256k1", "base64", "hex"}}) {
    SCOPED_TRACE(c.scheme);
    const TargetSpec t = KeygenTarget("ok", c.scheme, c.private_encoding, c.public_encoding);
    const std::string dir = FreshDir(absl::StrCat("keygen-", c.scheme));
    absl::StatusOr<RunKeys> keys = MakeRunKeys(t, 2, 1, dir, "/build");
    ASSERT_TRUE(keys.ok()) << keys.status();
    ASSERT_EQ(keys->replicas.size(), 2u);
    ASSERT_EQ(keys->clients.size(), 1u);
    // The system's own files, where its templates said, with its ids and roles.
    EXPECT_EQ(keys->replicas[1].private_file, dir + "/keygen/replica-1/r1-replica-2.sk");
    EXPECT_EQ(keys->replicas[1].public_file, dir + "/keygen/replica-1/r1.pk");
    EXPECT_EQ(keys->clients[0].private_file, dir + "/keygen/client-0/c0-client-1.sk");
    for (int i = 0; i < 2; ++i) {
      const KeyBinding& b = keys->replicas[i];
      EXPECT_EQ(b.private_text, absl::StripAsciiWhitespace(Read(b.private_file)));
      EXPECT_EQ(b.public_text, absl::StripAsciiWhitespace(Read(b.public_file)));
      absl::StatusOr<PrivateKey> theirs =
          PrivateKey::LoadFile(b.private_file, t.keys.scheme, t.keys.private_encoding);
      ASSERT_TRUE(theirs.ok()) << theirs.status();
      // turncoat's own copy, <dir>/<index>.key, is the same key.
      const std::string own = absl::StrCat(dir, "/", i, ".key");
      EXPECT_EQ(Mode(own), 0600);
      absl::StatusOr<PrivateKey> mine =
          PrivateKey::LoadFile(own, t.keys.scheme, t.keys.private_encoding);
      ASSERT_TRUE(mine.ok()) << mine.status();
      EXPECT_TRUE(mine->public_key() == theirs->public_key());
      absl::StatusOr<PublicKey> pub = PublicKey::LoadFile(absl::StrCat(dir, "/", i, ".pub"),
                                                          t.keys.scheme, t.keys.public_encoding);
      ASSERT_TRUE(pub.ok()) << pub.status();
      EXPECT_TRUE(*pub == theirs->public_key());
    }
    EXPECT_TRUE(fs::exists(dir + "/client-0.key"));
    EXPECT_NE(keys->replicas[0].private_text, keys->replicas[1].private_text);
  }
}

// The error names the target, the keygen's command line and what went wrong.
std::string KeygenError(const std::string& mode, const std::string& dir) {
  const TargetSpec t = KeygenTarget(mode, "ecdsa-p256", "hex", "pem");
  absl::StatusOr<RunKeys> keys = MakeRunKeys(t, 2, 0, dir, "/build");
  EXPECT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string where =
      absl::StrCat(kData, "/keygen/k.yaml: keys.generate (/usr/bin/python3 ", kData,
                   "/keygen/fake_keygen.py ", mode, " ecdsa-p256 hex pem ", dir,
                   "/keygen/replica-0/r0-replica-1.sk ", dir, "/keygen/replica-0/r0.pk): ");
  const std::string message(keys.status().message());
  EXPECT_TRUE(absl::StartsWith(message, where)) << message << "\nexpected it to start with\n"
                                                << where;
  return absl::StartsWith(message, where) ? message.substr(where.size()) : message;
}

TEST(RunKeysTest, KeygenThatFailsShowsItsStderr) {
  EXPECT_EQ(KeygenError("fail", FreshDir("keygen-fail")),
            "exited with code 3; stderr: fake_keygen: no entropy today");
}

TEST(RunKeysTest, KeygenWhosePublicKeyIsAnotherKeys) {
  EXPECT_EQ(KeygenError("mismatch", FreshDir("keygen-mismatch")),
            "the public key file is not the private key's public key");
}

TEST(RunKeysTest, KeygenThatWritesGarbage) {
  const std::string dir = FreshDir("keygen-garbage");
  EXPECT_EQ(KeygenError("garbage", dir),
            absl::StrCat("the private key it wrote does not read as keys.private says: file ", dir,
                         "/keygen/replica-0/r0-replica-1.sk: not a 32-byte hex ecdsa-p256 private "
                         "key (64 hex digits); got 9 characters"));
}

TEST(RunKeysTest, KeygenThatWritesNothing) {
  const std::string dir = FreshDir("keygen-missing");
  EXPECT_EQ(KeygenError("missing", dir),
            absl::StrCat("the private key it wrote does not read as keys.private says: cannot "
                         "read key file ",
                         dir,
                         "/keygen/replica-0/r0-replica-1.sk: No such file "
                         "or directory"));
}

TEST(RunKeysTest, KeygenThatCannotStart) {
  TargetSpec t = KeygenTarget("ok", "ed25519", "pem", "pem");
  absl::StatusOr<Template> missing = Template::Parse("/nonexistent/keygen", KeygenScope());
  ASSERT_TRUE(missing.ok());
  t.keys.generate->command = {*missing};
  absl::StatusOr<RunKeys> keys = MakeRunKeys(t, 1, 0, FreshDir("keygen-nostart"), "/build");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(keys.status().message(), "keys.generate (/nonexistent/keygen): "))
      << keys.status();
}

}  // namespace
}  // namespace turncoat
