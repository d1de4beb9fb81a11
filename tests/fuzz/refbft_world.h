// What the agent-side fuzzers share: refbft's schema loaded at run time as
// a target's is (its payload declared embedded) and the message model
// targets/refbft.yaml describes, built once per process. An Ed25519 key
// pair per replica is written to a temporary directory, removed at exit,
// for rewriters whose `key` param names one. Aborts if any of it fails to
// load: a fuzzer without its world would fuzz nothing and still pass.
#ifndef TURNCOAT_TESTS_FUZZ_REFBFT_WORLD_H_
#define TURNCOAT_TESTS_FUZZ_REFBFT_WORLD_H_

#include <memory>
#include <string>

#include "agents/message_codec.h"
#include "agents/message_model.h"

namespace turncoat {
namespace fuzz {

struct RefbftWorld {
  std::shared_ptr<const agent::MessageCodec> codec;
  std::shared_ptr<const agent::MessageModel> model;
  std::string key_dir;  // holds <id>.key for replicas 0..3

  // The process's one world, made on first use.
  static const RefbftWorld& Get();
};

}  // namespace fuzz
}  // namespace turncoat

#endif  // TURNCOAT_TESTS_FUZZ_REFBFT_WORLD_H_
