#include "tests/fuzz/refbft_world.h"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/ed25519.h"
#include "tests/agents/refbft_model_spec.h"

namespace turncoat {
namespace fuzz {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "refbft fuzz world: %s\n", what.c_str());
  std::abort();
}

std::string* key_dir_to_remove = nullptr;

void RemoveKeyDir() {
  std::error_code ignored;
  std::filesystem::remove_all(*key_dir_to_remove, ignored);
}

RefbftWorld Make() {
  RefbftWorld world;
  auto codec = agent::MessageCodec::Load({TURNCOAT_SOURCE_DIR}, {"targets/refbft/refbft.proto"});
  if (!codec.ok()) Fail(codec.status().ToString());
  absl::Status embedded = (*codec)->SetEmbedded("refbft.Envelope", "payload", "refbft.Message");
  if (!embedded.ok()) Fail(embedded.ToString());
  world.codec = *std::move(codec);
  auto model = agent::MessageModel::Build(
      agent::refbft_test::RefbftModelSpec(/*certificates=*/true), world.codec);
  if (!model.ok()) Fail(model.status().ToString());
  world.model = *std::move(model);

  char dir[] = "/tmp/turncoat_fuzz_keys_XXXXXX";
  if (mkdtemp(dir) == nullptr) Fail("mkdtemp failed");
  world.key_dir = dir;
  key_dir_to_remove = new std::string(dir);
  std::atexit(RemoveKeyDir);
  for (uint32_t id = 0; id < agent::refbft_test::kReplicas; ++id) {
    auto key = Ed25519PrivateKey::Generate();
    if (!key.ok()) Fail(key.status().ToString());
    absl::Status written = WriteKeyPair(*key, world.key_dir, absl::StrCat(id));
    if (!written.ok()) Fail(written.ToString());
  }
  return world;
}

}  // namespace

const RefbftWorld& RefbftWorld::Get() {
  static const RefbftWorld* world = new RefbftWorld(Make());
  return *world;
}

}  // namespace fuzz
}  // namespace turncoat
