#include "targets/tcpbft/client.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "targets/tcpbft/messages.h"

namespace tcpbft {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
constexpr absl::Duration kResend = absl::Seconds(1);

}  // namespace

Client::Client(Config config)
    : config_(std::move(config)),
      conns_(config_.n()),
      redial_at_(config_.n(), absl::InfinitePast()),
      backoff_(config_.n(), kFirstBackoff),
      // Request ids never repeat across restarts of a client.
      next_rid_(static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()))) {}

void Client::SendToAll(const std::string& payload) {
  for (const auto& conn : conns_) {
    if (conn) conn->Send(FrameType::kRequest, payload);
  }
}

void Client::Print(const char* verdict, const std::string& value) {
  std::printf("%s %s\n", verdict, value.c_str());
  std::fflush(stdout);
}

void Client::ReadInput(absl::Time now) {
  char buffer[65536];
  const ssize_t n = read(input_fd_, buffer, sizeof(buffer));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    input_fd_ = -1;
    return;
  }
  input_.append(buffer, n);
  for (size_t end; (end = input_.find('\n')) != std::string::npos; input_.erase(0, end + 1)) {
    std::string line = input_.substr(0, end);
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!absl::StartsWith(line, "put ") || line.size() == 4) {
      std::fprintf(stderr, "tcpbft-client: input line %llu: expected 'put VALUE', got '%s'\n",
                   static_cast<unsigned long long>(line_), line.c_str());
      continue;
    }
    Outstanding request;
    request.value = line.substr(4);
    request.payload = Seal(*config_.key, Encode(FrameType::kRequest, Request{config_.id, next_rid_, request.value}));
    request.deadline = now + config_.deadline;
    request.resend_at = now + kResend;
    SendToAll(request.payload);
    outstanding_.emplace(next_rid_++, std::move(request));
  }
}

void Client::OnReply(const std::string& payload) {
  absl::string_view body, signature;
  std::optional<Reply> reply;
  if (!Unseal(payload, FrameType::kReply, &body, &signature) || !(reply = Decode<Reply>(body, FrameType::kReply))) return;
  const int sender = config_.IndexOf(reply->sender);
  auto it = outstanding_.find(reply->rid);
  if (sender < 0 || reply->client != config_.id || it == outstanding_.end() ||
      reply->value != it->second.value || !config_.replicas[sender].key.Verify(body, signature)) {
    return;
  }
  it->second.acks.insert(sender);
  if (static_cast<int>(it->second.acks.size()) >= config_.f + 1) {
    Print("ok", it->second.value);
    outstanding_.erase(it);
  }
}

absl::Status Client::Run(int input_fd, const volatile std::sig_atomic_t* stop) {
  input_fd_ = input_fd;
  std::vector<pollfd> fds;
  std::vector<int> owner;  // replica index per fds entry; -1 for the input
  while (!*stop && (input_fd_ >= 0 || !outstanding_.empty())) {
    absl::Time now = absl::Now();
    fds.clear();
    owner.clear();
    if (input_fd_ >= 0) {
      fds.push_back(pollfd{input_fd_, POLLIN, 0});
      owner.push_back(-1);
    }
    for (int i = 0; i < config_.n(); ++i) {
      if (!conns_[i] && now >= redial_at_[i]) {
        absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Dial(config_.replicas[i].address);
        if (conn.ok()) {
          conns_[i] = *std::move(conn);
          for (const auto& entry : outstanding_) conns_[i]->Send(FrameType::kRequest, entry.second.payload);
        } else {
          redial_at_[i] = now + backoff_[i];
          backoff_[i] = std::min(backoff_[i] * 2, kMaxBackoff);
        }
      }
      if (conns_[i]) {
        fds.push_back(pollfd{conns_[i]->fd(), static_cast<short>(POLLIN | (conns_[i]->wants_write() ? POLLOUT : 0)), 0});
        owner.push_back(i);
      }
    }
    if (poll(fds.data(), fds.size(), 20) < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("poll: ", strerror(errno)));
    }
    now = absl::Now();
    for (size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      if (owner[k] < 0) {
        ReadInput(now);
        continue;
      }
      Connection& conn = *conns_[owner[k]];
      absl::Status status = absl::OkStatus();
      if (fds[k].revents & (POLLOUT | POLLERR | POLLHUP)) status = conn.OnWritable();
      if (status.ok() && (fds[k].revents & (POLLIN | POLLERR | POLLHUP))) {
        status = conn.OnReadable();
        while (std::optional<Frame> frame = conn.NextFrame()) {
          if (frame->type == static_cast<uint8_t>(FrameType::kReply)) OnReply(frame->payload);
        }
      }
      if (status.ok()) {
        backoff_[owner[k]] = kFirstBackoff;
      } else {
        conns_[owner[k]].reset();
        redial_at_[owner[k]] = now + backoff_[owner[k]];
        backoff_[owner[k]] = std::min(backoff_[owner[k]] * 2, kMaxBackoff);
      }
    }
    for (auto it = outstanding_.begin(); it != outstanding_.end();) {
      if (now >= it->second.deadline) {
        Print("fail", it->second.value);
        it = outstanding_.erase(it);
        continue;
      }
      if (now >= it->second.resend_at) {
        it->second.resend_at = now + kResend;
        SendToAll(it->second.payload);
      }
      ++it;
    }
  }
  return absl::OkStatus();
}

}  // namespace tcpbft
