// TCP links: byte-level proxies for targets whose replicas speak their own
// protocol over plain TCP (docs/target-format.md, `transport: tcp`).
//
// Such systems often keep one connection per pair of replicas and send
// messages both ways on it, so a connection's two directions belong to two
// different links. Every byte goes through two agents: the dialling
// replica's agent (an outbound proxy) and the accepting replica's agent (its
// inbound proxy), and each agent's rules act only on what its own replica
// sends — the outbound proxy on the dialler's bytes, the inbound proxy on
// the answers — exactly as on gRPC links, where rules sit at the sender.
// Between the two agents a connection opens with one preamble line naming
// the link and the real destination; the replicas never see it.
//
// Outbound proxies come in two kinds: one per link on a port of its own,
// which the replica dials instead of its peer (TcpOutbound), and one per
// agent that takes connections the kernel redirected to it while the
// replica dialled its peer's real address (TcpInterceptor, for replicas in
// network namespaces: the original destination comes from SO_ORIGINAL_DST).
//
// With a FrameFormat, a stream is cut into whole messages, each a Frame
// whose kind is its type's name; without one, each read is a frame of no
// kind. Delays keep a stream's order when it is not framed (moving raw
// bytes past each other would corrupt it) and may reorder whole messages
// when it is. A stream that stops parsing is passed on raw from there and
// counted. Every class here is thread-safe; destructors close every
// connection and join every thread.
#ifndef TURNCOAT_AGENTS_TCP_LINK_H_
#define TURNCOAT_AGENTS_TCP_LINK_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "agents/frame_format.h"
#include "agents/link_proxy.h"
#include "agents/link_traffic.h"

namespace turncoat {
namespace agent {

class TcpRelaySet;

// Counters of an agent's TCP links, for reports and tests.
struct TcpLinkStats {
  uint64_t connections = 0;    // relayed connections opened
  uint64_t frames = 0;         // frames this agent's rules saw
  uint64_t unparsed_bytes = 0; // bytes passed raw after a stream stopped parsing
  uint64_t refused = 0;        // connections that could not reach their destination
};

// What every TCP proxy of one agent shares.
class TcpLinkRuntime {
 public:
  // `format` may be null (unframed streams).
  TcpLinkRuntime(std::shared_ptr<ProxyRuntime> proxy,
                 std::shared_ptr<const FrameFormat> format);
  ~TcpLinkRuntime();

  ProxyRuntime* proxy() const { return proxy_.get(); }
  const FrameFormat* format() const { return format_.get(); }
  TcpLinkStats Stats() const;
  // The same per link and per kind of frame.
  LinkTraffic& traffic() { return traffic_; }
  const LinkTraffic& traffic() const { return traffic_; }
  TcpRelaySet* relays() const { return relays_.get(); }

  struct Counters {
    std::atomic<uint64_t> connections{0}, frames{0}, unparsed_bytes{0}, refused{0};
  };
  Counters& counters() { return counters_; }

 private:
  Counters counters_;
  LinkTraffic traffic_;
  std::shared_ptr<ProxyRuntime> proxy_;
  std::shared_ptr<const FrameFormat> format_;
  std::unique_ptr<TcpRelaySet> relays_;
  int watcher_ = -1;  // the engine calls on to cut connections
};

// The agent's one inbound proxy: takes connections from other agents'
// outbound proxies, dials the destination the preamble names, and runs this
// agent's rules on what the destination (this agent's replica) answers.
class TcpInbound {
 public:
  static absl::StatusOr<std::unique_ptr<TcpInbound>> Start(
      std::shared_ptr<TcpLinkRuntime> runtime, const std::string& listen);
  ~TcpInbound();
  int port() const;

 private:
  struct Impl;
  explicit TcpInbound(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Link from -> to on a port of its own: the replica dials it instead of its
// peer; each connection goes on to the destination's agent's inbound proxy
// (`inbound`, host:port) and from there to `target`.
class TcpOutbound {
 public:
  static absl::StatusOr<std::unique_ptr<TcpOutbound>> Start(
      std::shared_ptr<TcpLinkRuntime> runtime, LinkId link, const std::string& listen,
      const std::string& inbound, const std::string& target);
  ~TcpOutbound();
  int port() const;
  LinkId link() const;

 private:
  struct Impl;
  explicit TcpOutbound(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Every outgoing connection of replica `from`, redirected here by netfilter:
// the original destination's IPv4 address names the peer (`peers`: address
// -> replica index and that replica's agent's inbound proxy). For a gRPC
// target the peer is reached through this agent's gRPC link proxy instead
// (`proxy`): the connection's bytes go there untouched, and the rules act
// in that proxy, on decoded messages, as on a link on a port of its own.
class TcpInterceptor {
 public:
  struct Peer {
    int index = -1;
    std::string inbound;  // host:port
    // Where to go instead of the address dialled (a twin's); empty: there.
    std::string target;
    // host:port of the link proxy from -> index; set: inbound and target
    // are unused.
    std::string proxy;
  };
  static absl::StatusOr<std::unique_ptr<TcpInterceptor>> Start(
      std::shared_ptr<TcpLinkRuntime> runtime, int from, const std::string& listen,
      std::map<std::string, Peer> peers);
  ~TcpInterceptor();
  int port() const;

 private:
  struct Impl;
  explicit TcpInterceptor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_TCP_LINK_H_
