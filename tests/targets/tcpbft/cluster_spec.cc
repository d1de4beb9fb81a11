#include "tests/targets/tcpbft/cluster_spec.h"

#include <openssl/rand.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace tcpbft {

std::string RandomSeedHex() {
  unsigned char seed[32];
  RAND_bytes(seed, sizeof(seed));
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(seed), sizeof(seed)));
}

ClusterSpec::ClusterSpec(int n, int f, std::vector<std::string> addresses, int clients)
    : n(n), f(f), addresses(std::move(addresses)) {
  for (int i = 0; i < n + clients; ++i) {
    std::string seed = RandomSeedHex();
    std::string pub = SignKey::FromHex(seed)->PublicHex();
    (i < n ? replica_seeds : client_seeds).push_back(seed);
    (i < n ? replica_publics : client_publics).push_back(pub);
  }
}

Config ClusterSpec::Replica(int index) const {
  Config config;
  config.id = absl::StrCat("r", index);
  config.index = index;
  config.f = f;
  config.listen = listen.empty() ? addresses[index] : listen[index];
  config.key = *SignKey::FromHex(replica_seeds[index]);
  for (int i = 0; i < n; ++i) {
    config.replicas.push_back(ReplicaInfo{absl::StrCat("r", i), addresses[i], *VerifyKey::FromHex(replica_publics[i])});
  }
  for (size_t c = 0; c < client_publics.size(); ++c) {
    config.clients.emplace(absl::StrCat("c", c), *VerifyKey::FromHex(client_publics[c]));
  }
  config.bug = bug == "small-quorum" ? Bug::kSmallQuorum : Bug::kNone;
  config.view_change_timeout = absl::Milliseconds(view_change_timeout_ms);
  config.checkpoint_interval = checkpoint_interval;
  return config;
}

std::string ClusterSpec::ReplicaJson(int index, const std::vector<std::string>& peer_addresses) const {
  const std::vector<std::string>& listed = peer_addresses.empty() ? addresses : peer_addresses;
  nlohmann::json doc = {{"id", absl::StrCat("r", index)},
                        {"f", f},
                        {"listen", listen.empty() ? addresses[index] : listen[index]},
                        {"private_key", replica_seeds[index]},
                        {"bug", bug},
                        {"view_change_timeout_ms", view_change_timeout_ms},
                        {"checkpoint_interval", checkpoint_interval}};
  for (int i = 0; i < n; ++i) {
    doc["replicas"].push_back({{"id", absl::StrCat("r", i)}, {"address", listed[i]}, {"public_key", replica_publics[i]}});
  }
  for (size_t c = 0; c < client_publics.size(); ++c) {
    doc["clients"].push_back({{"id", absl::StrCat("c", c)}, {"public_key", client_publics[c]}});
  }
  return doc.dump(2);
}

std::string ClusterSpec::ClientJson(int index, int deadline_ms) const {
  nlohmann::json doc = {{"id", absl::StrCat("c", index)},
                        {"f", f},
                        {"private_key", client_seeds[index]},
                        {"deadline_ms", deadline_ms}};
  for (int i = 0; i < n; ++i) {
    doc["replicas"].push_back({{"id", absl::StrCat("r", i)}, {"address", addresses[i]}, {"public_key", replica_publics[i]}});
  }
  return doc.dump(2);
}

}  // namespace tcpbft
