// Connection: one non-blocking TCP socket carrying tcpbft frames, for a
// poll() loop. Dial() starts a connect that completes in OnWritable(); Send()
// queues a frame and OnWritable() writes what the socket takes; OnReadable()
// reads what is there and NextFrame() hands out complete frames.
//
// Errors (a refused connect, a reset, end of stream, a send queue beyond
// kMaxQueued) come back as a non-OK status, after which the owner closes the
// connection. Not thread-safe; one poll loop owns each connection.
#ifndef TURNCOAT_TARGETS_TCPBFT_CONNECTION_H_
#define TURNCOAT_TARGETS_TCPBFT_CONNECTION_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "targets/tcpbft/frame.h"

namespace tcpbft {

class Connection {
 public:
  static constexpr size_t kMaxQueued = 64u << 20;

  // Takes ownership of a connected socket.
  explicit Connection(int fd);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts connecting to host:port.
  static absl::StatusOr<std::unique_ptr<Connection>> Dial(const std::string& address);

  int fd() const { return fd_; }
  bool connecting() const { return connecting_; }
  bool wants_write() const { return connecting_ || !out_.empty(); }

  void Send(FrameType type, absl::string_view payload);
  absl::Status OnWritable();
  absl::Status OnReadable();
  std::optional<Frame> NextFrame() { return decoder_.Next(); }
  const FrameDecoder& decoder() const { return decoder_; }

 private:
  int fd_;
  bool connecting_ = false;
  std::string out_;
  FrameDecoder decoder_;
};

// A listening socket on host:port (SO_REUSEADDR, non-blocking).
absl::StatusOr<int> Listen(const std::string& address);

// Accepts one pending connection; nullptr when none is waiting.
std::unique_ptr<Connection> Accept(int listen_fd);

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_CONNECTION_H_
