// Client: tcpbft's client. It reads requests from a file descriptor (stdin),
// one per line, `put VALUE`; signs each as a REQUEST with the client's key
// and sends it to every replica (over its own connection to each, redialled
// with back-off, resent every second until answered); prints `ok VALUE` once
// f+1 replicas sent matching signed REPLYs, or `fail VALUE` when the config's
// deadline passes first. Requests are independent: several may be
// outstanding. A line that is not `put VALUE` is reported on stderr and
// skipped. Run() returns when the input has ended and every request is
// answered or failed, or when `stop` is set.
//
// Single-threaded.
#ifndef TURNCOAT_TARGETS_TCPBFT_CLIENT_H_
#define TURNCOAT_TARGETS_TCPBFT_CLIENT_H_

#include <csignal>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "targets/tcpbft/config.h"
#include "targets/tcpbft/connection.h"

namespace tcpbft {

class Client {
 public:
  explicit Client(Config config);
  absl::Status Run(int input_fd, const volatile std::sig_atomic_t* stop);

 private:
  struct Outstanding {
    std::string value;
    std::string payload;
    absl::Time deadline;
    absl::Time resend_at;
    std::set<int> acks;
  };

  void ReadInput(absl::Time now);
  void OnReply(const std::string& payload);
  void SendToAll(const std::string& payload);
  void Print(const char* verdict, const std::string& value);

  Config config_;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::vector<absl::Time> redial_at_;
  std::vector<absl::Duration> backoff_;
  std::map<uint64_t, Outstanding> outstanding_;
  uint64_t next_rid_;
  int input_fd_ = -1;
  std::string input_;
  uint64_t line_ = 0;
};

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_CLIENT_H_
