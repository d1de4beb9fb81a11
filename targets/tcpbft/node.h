// Node: a tcpbft replica process's network side. It listens on the config's
// `listen` address, keeps one connection per pair of replicas (the lower
// index dials, with the address-checking handshake of handshake.h, and
// redials with back-off from 100 ms to 2 s when the connection drops or the
// handshake fails), serves clients on the same port, and feeds every frame to
// a Replica, whose output it sends and prints.
//
// Log lines on stderr: connections made and lost, handshakes rejected (with
// the reason), frames dropped for a bad checksum or bad magic. On stdout:
// `tcpbft replica <id> ready` once listening, then `COMMIT <n> <value>` per
// executed request, each flushed.
//
// Single-threaded: Run() owns everything until `stop` becomes non-zero.
#ifndef TURNCOAT_TARGETS_TCPBFT_NODE_H_
#define TURNCOAT_TARGETS_TCPBFT_NODE_H_

#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "targets/tcpbft/config.h"
#include "targets/tcpbft/connection.h"
#include "targets/tcpbft/replica.h"

namespace tcpbft {

class Node : public Outbox {
 public:
  explicit Node(Config config);
  // Serves until *stop is set (by a signal handler); OK then.
  absl::Status Run(const volatile std::sig_atomic_t* stop);

  void ToReplica(int index, FrameType type, const std::string& payload) override;
  void ToClient(const std::string& client, const std::string& payload) override;
  void Commit(uint64_t number, const std::string& value) override;
  void Log(const std::string& line) override;

 private:
  enum class Role { kAccepted, kDialled, kPeer, kClient };
  struct Link {
    std::unique_ptr<Connection> conn;
    Role role = Role::kAccepted;
    int peer = -1;
    bool closed = false;
    uint64_t bad_checksums = 0;
    uint64_t skipped_bytes = 0;
  };

  std::string Name(const Link& link) const;
  void Dial(int peer, absl::Time now);
  void HandleFrame(Link* link, const Frame& frame, absl::Time now);
  void Close(Link* link, const std::string& why, absl::Time now);
  void ReportDrops(Link* link);

  Config config_;
  Replica replica_;
  std::vector<std::unique_ptr<Link>> links_;
  std::vector<Link*> peers_;             // established link per replica index
  std::vector<bool> dialling_;           // a dialled link exists (lower index only)
  std::vector<absl::Time> redial_at_;
  std::vector<absl::Duration> backoff_;
  std::map<std::string, Link*> clients_;
};

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_NODE_H_
