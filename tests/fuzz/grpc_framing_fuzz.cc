// libFuzzer target: the link proxy's gRPC framing path on arbitrary bytes
// from either side. The input is one direction of a stream cut into DATA
// chunks (the first byte seeds the chunk sizes, as a peer or the network
// may cut them anywhere); GrpcDeframer (agents/grpc_deframer.h) must give
// back exactly the bytes it was fed, message by message, each as long as
// its prefix says. Every message is then opened as the rule engine opens
// it (agents/frame.h): decoded with refbft's schema and read as a peer
// message through its model, as a request and as a response.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "agents/frame.h"
#include "agents/grpc_deframer.h"
#include "tests/agents/refbft_model_spec.h"
#include "tests/fuzz/refbft_world.h"

namespace {

using turncoat::agent::Direction;
using turncoat::agent::Frame;

void Open(const std::string& message, Direction direction) {
  const turncoat::fuzz::RefbftWorld& world = turncoat::fuzz::RefbftWorld::Get();
  Frame frame(1, {1, 0}, turncoat::agent::refbft_test::kSend, direction, message,
              world.codec.get(), nullptr, world.model.get());
  (void)frame.tree();
  (void)frame.view();
  (void)frame.kind();
  (void)frame.major_round();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint32_t cut = data[0] | 1u;
  absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const absl::string_view fed = rest;
  turncoat::agent::GrpcDeframer deframer;
  std::string taken;
  while (!rest.empty()) {
    cut = cut * 1103515245u + 12345u;
    const size_t chunk = 1 + (cut >> 16) % (rest.size() < 64 ? rest.size() : 64);
    deframer.Feed(rest.substr(0, chunk), [&](std::string framed) {
      auto length = turncoat::agent::GrpcFramedLength(framed);
      if (!length || *length != framed.size()) std::abort();
      taken += framed;
      const std::string message = framed.substr(turncoat::agent::kGrpcPrefix);
      if (turncoat::agent::FrameGrpcMessage(message, framed[0]) != framed) std::abort();
      Open(message, Direction::kRequest);
      Open(message, Direction::kResponse);
    });
    rest.remove_prefix(chunk);
  }
  // Nothing lost, nothing invented: what was taken plus what is still held
  // is what was fed.
  if (taken.size() + deframer.buffered() != fed.size() ||
      fed.substr(0, taken.size()) != taken) {
    std::abort();
  }
  return 0;
}
