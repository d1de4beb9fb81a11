// The JSON config files tcpbft and tcpbft-client are started with; the only
// way either learns anything (README.md lists every key).
//
// Loading checks everything a run depends on — n >= 3f+1, distinct ids,
// parseable keys and addresses, known bug names — and names the file and key
// at fault. A Config is immutable once loaded.
#ifndef TURNCOAT_TARGETS_TCPBFT_CONFIG_H_
#define TURNCOAT_TARGETS_TCPBFT_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "targets/tcpbft/crypto.h"

namespace tcpbft {

enum class Bug { kNone, kSmallQuorum };

struct ReplicaInfo {
  std::string id;
  std::string address;  // host:port, where the others dial it
  VerifyKey key;
};

struct Config {
  std::string id;
  // Position in `replicas`, which fixes leaders and who dials whom; -1 for a
  // client.
  int index = -1;
  int f = 0;
  std::string listen;  // replicas only
  std::optional<SignKey> key;
  std::vector<ReplicaInfo> replicas;
  std::map<std::string, VerifyKey> clients;
  Bug bug = Bug::kNone;
  absl::Duration view_change_timeout = absl::Seconds(1);
  int checkpoint_interval = 16;
  absl::Duration deadline = absl::Seconds(10);  // the client's, per request

  int n() const { return static_cast<int>(replicas.size()); }
  // Votes that make a quorum: 2f+1, or f+1 with the small-quorum bug.
  int quorum() const { return bug == Bug::kSmallQuorum ? f + 1 : 2 * f + 1; }
  int IndexOf(const std::string& replica_id) const;
};

absl::StatusOr<Config> LoadReplicaConfig(const std::string& path);
absl::StatusOr<Config> LoadClientConfig(const std::string& path);

// "host:port" into its parts; the port must be 1..65535.
absl::StatusOr<std::pair<std::string, int>> SplitAddress(const std::string& address);

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_CONFIG_H_
