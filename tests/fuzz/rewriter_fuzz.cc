// libFuzzer target: every message rewriter registered with the agent
// (agents/*_rewriter.cc, through the MessageRewriter interface the rule
// engine calls) on arbitrary frames, with refbft's schema and message model
// loaded. A Byzantine peer chooses the bytes a rewriter reads; a rewriter
// may fail on them (the engine then passes the frame intact) but must not
// crash. The first byte picks the rewriter, the rest is the frame.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agents/frame.h"
#include "agents/message_rewriter.h"
#include "tests/agents/refbft_model_spec.h"
#include "tests/fuzz/refbft_world.h"

namespace {

using turncoat::agent::MessageRewriter;
using turncoat::agent::RewriterParams;
using turncoat::agent::refbft_test::kByzantine;
using turncoat::agent::refbft_test::kSend;

// Parameters that make each rewriter act on refbft's messages (as the
// shipped plans use them); a registered rewriter missing here aborts, so a
// new one is fuzzed from the day it is added.
RewriterParams ParamsFor(const std::string& name, const std::string& key) {
  if (name == "certificate") {
    return {{"key", key}, {"n", "4"}, {"f", "1"}, {"mutations", "swap,drop,repeat,relabel"},
            {"seed", "1"}, {"pool", "fuzz-certificate"}};
  }
  // refbft's links are gRPC: the corruption of a serialized message, no framing.
  if (name == "corrupt") return {{"bytes", "3"}, {"seed", "1"}};
  if (name == "equivocate") return {{"key", key}, {"variant", "1"}, {"clear", "proposal.justify"}};
  if (name == "forge") {
    return {{"key", key}, {"signature", "random"}, {"as", "0"}, {"set", "vote.phase=COMMIT"}};
  }
  if (name == "mutate") return {{"key", key}, {"seed", "1"}};
  if (name == "replay") return {{"after", "0s"}, {"pool", "fuzz-replay"}, {"max_stored", "8"}};
  if (name == "set_field") return {{"path", "payload.proposal.view"}, {"value", "9"}};
  if (name == "splice") {
    return {{"key", key}, {"variant", "1"}, {"pool", "fuzz-splice"}, {"max_stored", "8"}};
  }
  std::fprintf(stderr, "rewriter_fuzz: no params for rewriter '%s'; add them\n", name.c_str());
  std::abort();
}

std::vector<std::unique_ptr<MessageRewriter>> MakeAll() {
  const turncoat::fuzz::RefbftWorld& world = turncoat::fuzz::RefbftWorld::Get();
  const std::string key = absl::StrCat(world.key_dir, "/", kByzantine, ".key");
  std::vector<std::unique_ptr<MessageRewriter>> all;
  for (const std::string& name : turncoat::agent::RewriterRegistry::Names()) {
    const RewriterParams params = ParamsFor(name, key);
    turncoat::agent::RewriterContext context{&params, world.codec.get(),
                                             world.codec->FindMessage("refbft.Envelope"),
                                             world.model.get(), world.model->ForMethod(kSend)};
    auto rewriter = turncoat::agent::RewriterRegistry::Create(name, context);
    if (!rewriter.ok()) {
      std::fprintf(stderr, "rewriter_fuzz: %s: %s\n", name.c_str(),
                   rewriter.status().ToString().c_str());
      std::abort();
    }
    all.push_back(*std::move(rewriter));
  }
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* rewriters = new std::vector<std::unique_ptr<MessageRewriter>>(MakeAll());
  if (size == 0) return 0;
  const turncoat::fuzz::RefbftWorld& world = turncoat::fuzz::RefbftWorld::Get();
  MessageRewriter& rewriter = *(*rewriters)[data[0] % rewriters->size()];
  turncoat::agent::Frame frame(1, {kByzantine, 0}, kSend, turncoat::agent::Direction::kRequest,
                               std::string(reinterpret_cast<const char*>(data) + 1, size - 1),
                               world.codec.get(), nullptr, world.model.get());
  (void)rewriter.Rewrite(frame);
  return 0;
}
