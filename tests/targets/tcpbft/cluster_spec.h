// ClusterSpec: keys, ids and addresses of a test tcpbft cluster, as in-memory
// Configs (for the protocol simulation) or as the JSON config files the
// binaries read (for the process tests). Replicas are r0..r{n-1}, clients
// c0..; keys are fresh random Ed25519 seeds.
#ifndef TURNCOAT_TESTS_TARGETS_TCPBFT_CLUSTER_SPEC_H_
#define TURNCOAT_TESTS_TARGETS_TCPBFT_CLUSTER_SPEC_H_

#include <string>
#include <vector>

#include "targets/tcpbft/config.h"

namespace tcpbft {

struct ClusterSpec {
  ClusterSpec(int n, int f, std::vector<std::string> addresses, int clients = 1);

  int n, f;
  // Where the configs say replica i is; where it listens unless `listen`
  // says otherwise (a relay in between).
  std::vector<std::string> addresses;
  std::vector<std::string> listen;
  std::vector<std::string> replica_seeds, replica_publics, client_seeds, client_publics;
  std::string bug = "none";
  int view_change_timeout_ms = 1000;
  int checkpoint_interval = 16;

  Config Replica(int index) const;
  // `peer_addresses`: what replica `index`'s config lists for every replica
  // (defaults to `addresses`).
  std::string ReplicaJson(int index, const std::vector<std::string>& peer_addresses = {}) const;
  std::string ClientJson(int index, int deadline_ms) const;
};

std::string RandomSeedHex();

}  // namespace tcpbft

#endif  // TURNCOAT_TESTS_TARGETS_TCPBFT_CLUSTER_SPEC_H_
