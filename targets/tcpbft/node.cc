#include "targets/tcpbft/node.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "targets/tcpbft/handshake.h"

namespace tcpbft {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
constexpr int kPollMs = 20;

}  // namespace

Node::Node(Config config)
    : config_(std::move(config)),
      replica_(config_, this, absl::Now()),
      peers_(config_.n(), nullptr),
      dialling_(config_.n(), false),
      redial_at_(config_.n(), absl::InfinitePast()),
      backoff_(config_.n(), kFirstBackoff) {}

std::string Node::Name(const Link& link) const {
  if (link.peer >= 0) return absl::StrCat("replica ", config_.replicas[link.peer].id);
  return link.role == Role::kClient ? "a client" : "an unidentified peer";
}

void Node::ToReplica(int index, FrameType type, const std::string& payload) {
  if (Link* link = peers_[index]) link->conn->Send(type, payload);
}

void Node::ToClient(const std::string& client, const std::string& payload) {
  auto it = clients_.find(client);
  if (it != clients_.end()) it->second->conn->Send(FrameType::kReply, payload);
}

void Node::Commit(uint64_t number, const std::string& value) {
  std::printf("COMMIT %llu %s\n", static_cast<unsigned long long>(number), value.c_str());
  std::fflush(stdout);
}

void Node::Log(const std::string& line) {
  std::fprintf(stderr, "tcpbft %s: %s\n", config_.id.c_str(), line.c_str());
}

void Node::Dial(int peer, absl::Time now) {
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Dial(config_.replicas[peer].address);
  if (!conn.ok()) {
    redial_at_[peer] = now + backoff_[peer];
    backoff_[peer] = std::min(backoff_[peer] * 2, kMaxBackoff);
    return;
  }
  auto link = std::make_unique<Link>();
  link->conn = *std::move(conn);
  link->role = Role::kDialled;
  link->peer = peer;
  link->conn->Send(FrameType::kHello, MakeHello(config_, FrameType::kHello));
  dialling_[peer] = true;
  links_.push_back(std::move(link));
}

void Node::Close(Link* link, const std::string& why, absl::Time now) {
  if (link->closed) return;
  link->closed = true;
  if (link->role == Role::kDialled && link->conn->connecting()) {
    Log(absl::StrCat("cannot reach ", Name(*link), " at ", config_.replicas[link->peer].address, ": ", why));
  } else if (link->role == Role::kPeer || link->role == Role::kDialled) {
    Log(absl::StrCat("connection with ", Name(*link), " closed: ", why));
  }
  if (link->peer >= 0 && peers_[link->peer] == link) peers_[link->peer] = nullptr;
  if (link->role == Role::kDialled || (link->role == Role::kPeer && link->peer > config_.index)) {
    dialling_[link->peer] = false;
    redial_at_[link->peer] = now + backoff_[link->peer];
    backoff_[link->peer] = std::min(backoff_[link->peer] * 2, kMaxBackoff);
  }
  for (auto it = clients_.begin(); it != clients_.end();) {
    it = it->second == link ? clients_.erase(it) : std::next(it);
  }
}

void Node::ReportDrops(Link* link) {
  const FrameDecoder& d = link->conn->decoder();
  if (d.bad_checksums() > link->bad_checksums) {
    Log(absl::StrCat("dropped ", d.bad_checksums() - link->bad_checksums, " frame(s) from ", Name(*link),
                     " with a bad checksum (", d.bad_checksums(), " so far)"));
  }
  if (d.skipped_bytes() > link->skipped_bytes) {
    Log(absl::StrCat("skipped ", d.skipped_bytes() - link->skipped_bytes, " byte(s) from ", Name(*link),
                     " without a frame magic (", d.skipped_bytes(), " so far)"));
  }
  link->bad_checksums = d.bad_checksums();
  link->skipped_bytes = d.skipped_bytes();
}

void Node::HandleFrame(Link* link, const Frame& frame, absl::Time now) {
  const auto type = static_cast<FrameType>(frame.type);
  switch (link->role) {
    case Role::kDialled: {
      if (type != FrameType::kHelloAck) return;
      absl::Status checked = CheckHelloAck(config_, link->peer, frame.payload);
      if (!checked.ok()) {
        Log(absl::StrCat("handshake rejected: ", checked.message()));
        return Close(link, "handshake rejected", now);
      }
      link->role = Role::kPeer;
      peers_[link->peer] = link;
      backoff_[link->peer] = kFirstBackoff;
      Log(absl::StrCat("connected to ", Name(*link)));
      return;
    }
    case Role::kAccepted:
      if (type == FrameType::kHello) {
        absl::StatusOr<int> peer = CheckHello(config_, frame.payload);
        if (!peer.ok()) {
          Log(absl::StrCat("handshake rejected: ", peer.status().message()));
          return Close(link, "handshake rejected", now);
        }
        if (Link* old = peers_[*peer]) Close(old, "replaced by a new connection", now);
        link->role = Role::kPeer;
        link->peer = *peer;
        peers_[*peer] = link;
        link->conn->Send(FrameType::kHelloAck, MakeHello(config_, FrameType::kHelloAck));
        Log(absl::StrCat("accepted ", Name(*link)));
        return;
      }
      if (type != FrameType::kRequest) return Close(link, "expected HELLO or REQUEST", now);
      link->role = Role::kClient;
      [[fallthrough]];
    case Role::kClient:
      if (type == FrameType::kRequest) {
        if (std::optional<std::string> client = replica_.OnRequest(frame.payload, now)) {
          clients_[*client] = link;
        }
      }
      return;
    case Role::kPeer:
      if (type != FrameType::kHello && type != FrameType::kHelloAck) {
        replica_.OnPeerMessage(frame.type, frame.payload, now);
      }
      return;
  }
}

absl::Status Node::Run(const volatile std::sig_atomic_t* stop) {
  absl::StatusOr<int> listen_fd = Listen(config_.listen);
  if (!listen_fd.ok()) return listen_fd.status();
  std::printf("tcpbft replica %s ready\n", config_.id.c_str());
  std::fflush(stdout);
  std::vector<pollfd> fds;
  while (!*stop) {
    absl::Time now = absl::Now();
    for (int peer = config_.index + 1; peer < config_.n(); ++peer) {
      if (!dialling_[peer] && now >= redial_at_[peer]) Dial(peer, now);
    }
    fds.assign(1, pollfd{*listen_fd, POLLIN, 0});
    for (const auto& link : links_) {
      fds.push_back(pollfd{link->conn->fd(), static_cast<short>(POLLIN | (link->conn->wants_write() ? POLLOUT : 0)), 0});
    }
    if (poll(fds.data(), fds.size(), kPollMs) < 0 && errno != EINTR) break;
    now = absl::Now();
    if (fds[0].revents & POLLIN) {
      while (std::unique_ptr<Connection> conn = Accept(*listen_fd)) {
        auto link = std::make_unique<Link>();
        link->conn = std::move(conn);
        links_.push_back(std::move(link));
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      Link* link = links_[i - 1].get();
      if (link->closed) continue;
      if (fds[i].revents & (POLLOUT | POLLERR | POLLHUP)) {
        absl::Status status = link->conn->OnWritable();
        if (!status.ok()) {
          Close(link, std::string(status.message()), now);
          continue;
        }
      }
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        absl::Status status = link->conn->OnReadable();
        while (!link->closed) {
          std::optional<Frame> frame = link->conn->NextFrame();
          if (!frame) break;
          HandleFrame(link, *frame, now);
        }
        ReportDrops(link);
        if (!status.ok()) Close(link, std::string(status.message()), now);
      }
    }
    replica_.Tick(now);
    for (const auto& link : links_) {
      if (!link->closed && link->conn->wants_write() && !link->conn->connecting()) {
        absl::Status status = link->conn->OnWritable();
        if (!status.ok()) Close(link.get(), std::string(status.message()), now);
      }
    }
    links_.erase(std::remove_if(links_.begin(), links_.end(), [](const auto& l) { return l->closed; }),
                 links_.end());
  }
  close(*listen_fd);
  return absl::OkStatus();
}

}  // namespace tcpbft
