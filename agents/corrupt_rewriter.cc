// The "corrupt" rewriter: changes bytes of each message, as a faulty NIC, a
// broken middlebox or a Byzantine sender that does not care to be
// understood would.
//
// With a TCP target's framing (RewriterContext::framing) each frame is one
// whole message: the bytes changed are its payload's, the header left as it
// was (`header: true` draws from the whole frame, so a type or flags byte
// may change too). `reseal` (default true) then writes the frame's length
// and recomputes its checksum (FrameFormat::Reseal), so the frame passes the
// receiver's framing check and reaches what lies behind it: decoding,
// signature checks, the protocol. With `reseal: false` the checksum no
// longer matches, and a correct receiver drops the frame at its framing
// layer. Without framing (a raw TCP read, or a gRPC message) any byte of
// the frame may change, and nothing is resealed.
//
// Each changed byte is XORed with a non-zero value, so it always differs;
// the positions are distinct. Deterministic for a given seed and sequence
// of frames.
//
// Params: bytes (how many to change per message, default 1; fewer when the
// message has fewer), seed (default 1), reseal (default true; framed
// targets only), header (default false; framed targets only).
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agents/message_rewriter.h"
#include "agents/rewriter_params.h"

namespace turncoat {
namespace agent {
namespace {

constexpr int64_t kMaxBytes = 4096;

struct CorruptOptions {
  size_t bytes = 1;
  uint64_t seed = 1;
  bool reseal = true;
  bool header = false;
};

class CorruptRewriter : public MessageRewriter {
 public:
  CorruptRewriter(CorruptOptions options, std::shared_ptr<const FrameFormat> framing)
      : options_(options), framing_(std::move(framing)), rng_(options.seed) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    std::string bytes = frame.bytes();
    // The bytes that may change: [first, size).
    size_t first = 0;
    if (framing_ != nullptr && !options_.header) {
      first = std::min<size_t>(framing_->spec().header_bytes, bytes.size());
    }
    const size_t range = bytes.size() - first;
    if (range == 0) return std::vector<std::string>{std::move(bytes)};
    const size_t count = std::min(options_.bytes, range);
    std::vector<std::pair<size_t, uint8_t>> changes;
    {
      absl::MutexLock lock(&mu_);
      // Distinct positions: the first `count` of a partial shuffle, drawn
      // lazily so a large message costs no more than `count` draws.
      std::map<size_t, size_t> swapped;
      const auto at = [&](size_t i) {
        auto it = swapped.find(i);
        return it == swapped.end() ? i : it->second;
      };
      for (size_t i = 0; i < count; ++i) {
        const size_t j = std::uniform_int_distribution<size_t>(i, range - 1)(rng_);
        const size_t pick = at(j);
        swapped[j] = at(i);
        const auto mask = static_cast<uint8_t>(std::uniform_int_distribution<int>(1, 255)(rng_));
        changes.emplace_back(first + pick, mask);
      }
    }
    for (const auto& [position, mask] : changes) {
      bytes[position] = static_cast<char>(static_cast<uint8_t>(bytes[position]) ^ mask);
    }
    if (framing_ != nullptr && options_.reseal) {
      if (absl::Status s = framing_->Reseal(&bytes); !s.ok()) return s;
    }
    absl::MutexLock lock(&mu_);
    bytes_changed_ += static_cast<int64_t>(count);
    return std::vector<std::string>{std::move(bytes)};
  }

  std::map<std::string, int64_t> Counters() const override {
    absl::MutexLock lock(&mu_);
    if (bytes_changed_ == 0) return {};
    return {{"bytes changed", bytes_changed_}};
  }

 private:
  const CorruptOptions options_;
  const std::shared_ptr<const FrameFormat> framing_;
  mutable absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  int64_t bytes_changed_ ABSL_GUARDED_BY(mu_) = 0;
};

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  const RewriterParams& params = *c.params;
  CorruptOptions options;
  auto bytes = IntParam(params, "bytes", 1, 1, kMaxBytes);
  if (!bytes.ok()) return bytes.status();
  options.bytes = static_cast<size_t>(*bytes);
  auto seed = IntParam(params, "seed", 1, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  options.seed = static_cast<uint64_t>(*seed);
  if (c.framing == nullptr && (params.count("reseal") > 0 || params.count("header") > 0)) {
    return absl::InvalidArgumentError(
        "params 'reseal' and 'header' need the target's framing (protocol.framing): without "
        "one a message has no header or checksum to keep or recompute");
  }
  auto reseal = BoolParam(params, "reseal", true);
  if (!reseal.ok()) return reseal.status();
  options.reseal = *reseal;
  auto header = BoolParam(params, "header", false);
  if (!header.ok()) return header.status();
  options.header = *header;
  return std::make_unique<CorruptRewriter>(options, c.framing);
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("corrupt", Create);

}  // namespace agent
}  // namespace turncoat
