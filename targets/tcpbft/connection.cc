#include "targets/tcpbft/connection.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "targets/tcpbft/config.h"

namespace tcpbft {
namespace {

void Configure(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

absl::StatusOr<addrinfo*> Resolve(const std::string& address, bool passive) {
  absl::StatusOr<std::pair<std::string, int>> parts = SplitAddress(address);
  if (!parts.ok()) return parts.status();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(parts->first.c_str(), std::to_string(parts->second).c_str(), &hints, &result);
  if (rc != 0) return absl::InvalidArgumentError(absl::StrCat("cannot resolve ", address, ": ", gai_strerror(rc)));
  return result;
}

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", strerror(errno)));
}

}  // namespace

Connection::Connection(int fd) : fd_(fd) { Configure(fd_); }

Connection::~Connection() { close(fd_); }

absl::StatusOr<std::unique_ptr<Connection>> Connection::Dial(const std::string& address) {
  absl::StatusOr<addrinfo*> ai = Resolve(address, false);
  if (!ai.ok()) return ai.status();
  const int fd = socket((*ai)->ai_family, SOCK_STREAM, 0);
  if (fd < 0) {
    freeaddrinfo(*ai);
    return Errno("socket");
  }
  auto conn = std::make_unique<Connection>(fd);
  const int rc = connect(fd, (*ai)->ai_addr, (*ai)->ai_addrlen);
  freeaddrinfo(*ai);
  if (rc != 0 && errno != EINPROGRESS) return Errno(absl::StrCat("connect to ", address));
  conn->connecting_ = rc != 0;
  return conn;
}

void Connection::Send(FrameType type, absl::string_view payload) {
  out_ += EncodeFrame(type, payload);
}

absl::Status Connection::OnWritable() {
  if (connecting_) {
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      errno = error;
      return Errno("connect");
    }
    connecting_ = false;
  }
  while (!out_.empty()) {
    const ssize_t n = send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      return Errno("send");
    }
    out_.erase(0, n);
  }
  if (out_.size() > kMaxQueued) return absl::ResourceExhaustedError("peer reads too slowly");
  return absl::OkStatus();
}

absl::Status Connection::OnReadable() {
  char buffer[65536];
  for (;;) {
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n > 0) {
      decoder_.Append(absl::string_view(buffer, n));
      continue;
    }
    if (n == 0) return absl::UnavailableError("connection closed by peer");
    if (errno == EAGAIN || errno == EWOULDBLOCK) return absl::OkStatus();
    if (errno != EINTR) return Errno("recv");
  }
}

absl::StatusOr<int> Listen(const std::string& address) {
  absl::StatusOr<addrinfo*> ai = Resolve(address, true);
  if (!ai.ok()) return ai.status();
  const int fd = socket((*ai)->ai_family, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const bool ok = fd >= 0 && bind(fd, (*ai)->ai_addr, (*ai)->ai_addrlen) == 0 && listen(fd, 64) == 0;
  freeaddrinfo(*ai);
  if (!ok) {
    absl::Status status = Errno(absl::StrCat("cannot listen on ", address));
    if (fd >= 0) close(fd);
    return status;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

std::unique_ptr<Connection> Accept(int listen_fd) {
  const int fd = accept(listen_fd, nullptr, nullptr);
  if (fd < 0) return nullptr;
  return std::make_unique<Connection>(fd);
}

}  // namespace tcpbft
