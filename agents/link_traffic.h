// LinkTraffic: what an agent's TCP proxies carried, per directed link and
// per kind of frame, for the run's report (docs/report-format.md,
// "traffic").
//
// A frame's kind is the name the target's framing gives its type, "type N"
// for a type the framing does not name, or "unframed" for a raw read of a
// stream without framing. Beside frames and bytes per kind, each link
// counts the bytes passed raw after its stream stopped parsing, the
// connections that carried its bytes, and the connections its source
// dialled that could not reach their destination. Each link's frames are
// counted by the agent whose rules see them (the sender's side), so the
// counts of all agents add up without counting anything twice.
//
// Thread-safe.
#ifndef TURNCOAT_AGENTS_LINK_TRAFFIC_H_
#define TURNCOAT_AGENTS_LINK_TRAFFIC_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "agents/frame.h"

namespace turncoat {
namespace agent {

struct KindTraffic {
  uint64_t frames = 0;
  uint64_t bytes = 0;
};

struct LinkTrafficStats {
  LinkId link;
  std::map<std::string, KindTraffic> kinds;
  uint64_t unparsed_bytes = 0;
  uint64_t connections = 0;
  uint64_t refused = 0;
};

// The kind label of a raw read of an unframed stream.
inline constexpr absl::string_view kUnframedKind = "unframed";

class LinkTraffic {
 public:
  void Frame(LinkId link, absl::string_view kind, size_t bytes);
  void Unparsed(LinkId link, size_t bytes);
  void Connection(LinkId link);
  void Refused(LinkId link);

  // Every link that carried or tried to carry anything, by (from, to).
  std::vector<LinkTrafficStats> Snapshot() const;

 private:
  LinkTrafficStats& Of(LinkId link) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::pair<int, int>, LinkTrafficStats> links_ ABSL_GUARDED_BY(mu_);
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_LINK_TRAFFIC_H_
