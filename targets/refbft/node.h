// Node: one refbft replica process, the Replica state machine over gRPC.
//
// A Node serves refbft.Peer (envelopes from other replicas) and
// refbft.Client (value submissions) with gRPC's callback API, and sends
// envelopes to peers as asynchronous unary calls. A single event-loop thread
// owns the Replica: RPC handlers only enqueue events, so the protocol code
// never runs concurrently with itself and never waits on the network.
// Outgoing messages beyond a per-peer cap of calls in flight, and incoming
// ones beyond a cap of queued events, are dropped: BFT tolerates message loss
// and a slow or dead peer must not stall the loop.
//
// Every commit is written as one JSON line to the commit stream (stdout in the
// refbft binary), flushed at once so that an observer tailing the stream sees
// it as soon as it happens; see CommitJsonLine for the format.
//
// Node's public methods are thread-safe.
#ifndef TURNCOAT_TARGETS_REFBFT_NODE_H_
#define TURNCOAT_TARGETS_REFBFT_NODE_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/ed25519.h"
#include "targets/refbft/replica.h"

namespace refbft {

struct NodeOptions {
  // host:port to serve on; port 0 lets the system pick (see Node::port()).
  std::string listen;
  // Where to reach every other replica, by id.
  std::map<uint32_t, std::string> peers;
  // Outgoing calls that have not completed by then are abandoned.
  absl::Duration rpc_deadline = absl::Seconds(2);
  size_t max_inflight_per_peer = 1000;
  // Events (envelopes and submits) waiting for the loop; beyond this,
  // envelopes are dropped and submits refused.
  size_t max_queued_events = 100000;
  // Receives the JSON commit lines; not owned.
  std::FILE* commit_stream = stdout;
};

// The commit line for `commit` at replica `replica`, without the newline:
//   {"replica":0,"seq":1,"height":3,"view":0,"value":"..."}
// The value is opaque bytes written as a JSON string: printable ASCII stays
// as is except `"` and `\`, which are backslash-escaped, and every other byte
// b is written as \u00XX. A JSON parser thus yields the code points U+0000 to
// U+00FF, one per byte, and ASCII values read back unchanged.
std::string CommitJsonLine(uint32_t replica, const CommitRecord& commit);

class Node {
 public:
  // Starts the server, the peer channels and the event loop, and enters
  // view 0 of height 1. Fails if the listen address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Node>> Start(ReplicaConfig config,
                                                     turncoat::Ed25519PrivateKey key,
                                                     std::vector<turncoat::Ed25519PublicKey> keys,
                                                     NodeOptions options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // The port the server listens on.
  int port() const;
  // Stops accepting RPCs, answers the submits still queued with
  // accepted=false, stops the loop and waits (bounded by the RPC deadline)
  // for outgoing calls to complete. Idempotent; the destructor calls it.
  void Shutdown();

 private:
  class Impl;
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace refbft

#endif  // TURNCOAT_TARGETS_REFBFT_NODE_H_
