#include "agents/burst_gauge.h"

#include <algorithm>

namespace turncoat {
namespace agent {
namespace {

constexpr int kOne = 256;
constexpr int kDenseFrom = kOne * 3 / 2;
constexpr int kSparseBelow = kOne * 11 / 10;
// Each turn weighs 1/8: dense after two turns of four messages; sparse again
// after 27 turns of one following a stream of four per turn.
constexpr int kWeightShift = 3;
// A turn that drained a long backlog counts as this many, so that one such
// turn does not keep the gauge dense for hundreds of ping-pong turns after.
constexpr int kMaxCounted = 64;

}  // namespace

bool BurstGauge::AddTurn(int messages) {
  if (messages <= 0) return false;
  const int sample = std::min(messages, kMaxCounted) * kOne;
  average_ += (sample - average_) / (1 << kWeightShift);
  const bool dense = dense_ ? average_ >= kSparseBelow : average_ >= kDenseFrom;
  if (dense == dense_) return false;
  dense_ = dense;
  return true;
}

}  // namespace agent
}  // namespace turncoat
