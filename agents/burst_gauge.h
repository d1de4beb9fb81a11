// BurstGauge: tells a proxy loop whether its traffic is dense, i.e. whether
// giving up the CPU between turns would let more messages gather per turn.
//
// The loop reports how many messages each turn moved. A ping-pong exchange
// (one call or stream message at a time, each waiting for its answer) moves
// at most one per turn, and any wait the loop adds is added to every
// exchange's latency. A stream or many concurrent calls move several, and
// there the loop forwards more per system call, at less CPU per message, if
// it lets the endpoints run first. The gauge keeps a moving average of
// messages per turn (turns that moved none do not count) and calls the
// traffic dense once it reaches 1.5, sparse again below 1.1: the gap keeps
// the verdict from flapping, and a ping-pong exchange brings the average
// down to 1.0 within fifty turns. Pure logic; one loop owns it.
#ifndef TURNCOAT_AGENTS_BURST_GAUGE_H_
#define TURNCOAT_AGENTS_BURST_GAUGE_H_

namespace turncoat {
namespace agent {

class BurstGauge {
 public:
  // Records a turn that moved `messages`; returns whether the verdict changed.
  bool AddTurn(int messages);
  bool dense() const { return dense_; }

 private:
  // In 1/256ths of a message, so that the average is exact enough without
  // floating point: it starts at one message per turn.
  int average_ = 256;
  bool dense_ = false;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_BURST_GAUGE_H_
