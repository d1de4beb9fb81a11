// NetnsCluster: the network namespaces of one run with `links: netns`
// (docs/target-format.md): every replica process in a namespace of its own
// with a private address, joined to the host by a veth pair, and netfilter
// rules that redirect each replica's connections to its peers into its
// agent's interceptor — so replicas dial their peers' real addresses and
// handshakes that check them pass, while every byte still crosses the
// agents (agents/tcp_link.h).
//
// Everything it creates carries the run's tag, the controller's pid:
// namespaces `turncoat-<pid>-<i>`, host interfaces `tcv<pid>x<i>` (pid in
// base 36), the nftables table `ip turncoat_<pid>`. Addresses are
// 10.213.<slot>.0/24 with a slot no other live run uses (4 per replica:
// host side .4i+1, namespace side .4i+2), so runs side by side do not meet.
// The destructor removes it all; Leftovers() and RemoveLeftovers() find and
// remove what a controller killed before its destructor ran left behind
// (`turncoat cleanup`). Needs root or CAP_NET_ADMIN, `ip` (iproute2) and
// `nft` (nftables). Not thread-safe.
#ifndef TURNCOAT_HARNESS_NETNS_H_
#define TURNCOAT_HARNESS_NETNS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace turncoat {

class NetnsCluster {
 public:
  // One namespace per process: replicas and twins alike, `count` in all
  // (at most 63).
  static absl::StatusOr<std::unique_ptr<NetnsCluster>> Create(int count);
  ~NetnsCluster();
  NetnsCluster(const NetnsCluster&) = delete;
  NetnsCluster& operator=(const NetnsCluster&) = delete;

  // The name of process k's namespace, and its address there.
  const std::string& Namespace(int k) const { return namespaces_[k]; }
  const std::string& Address(int k) const { return addresses_[k]; }
  // The host's end of process k's veth pair: where its redirected
  // connections arrive.
  const std::string& HostAddress(int k) const { return host_addresses_[k]; }
  // argv run inside process k's namespace.
  std::vector<std::string> Wrap(int k, std::vector<std::string> argv) const;

  // Redirects every TCP connection process k opens to another process's
  // address into `port` on HostAddress(k).
  absl::Status Redirect(int k, int port);

  // Removes everything now (also done by the destructor).
  absl::Status Destroy();

  // What runs whose controller is gone left behind: namespace names and
  // nftables tables.
  static std::vector<std::string> Leftovers();
  // Removes them; the error lists what could not be removed.
  static absl::Status RemoveLeftovers();

 private:
  NetnsCluster() = default;

  std::string tag_;  // the pid, as in names
  std::string table_;
  std::vector<std::string> namespaces_, host_interfaces_, addresses_, host_addresses_;
  bool destroyed_ = false;
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_NETNS_H_
