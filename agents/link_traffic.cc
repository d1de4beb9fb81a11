#include "agents/link_traffic.h"

namespace turncoat {
namespace agent {

LinkTrafficStats& LinkTraffic::Of(LinkId link) {
  LinkTrafficStats& stats = links_[{link.from, link.to}];
  stats.link = link;
  return stats;
}

void LinkTraffic::Frame(LinkId link, absl::string_view kind, size_t bytes) {
  absl::MutexLock lock(&mu_);
  LinkTrafficStats& stats = Of(link);
  KindTraffic& counts = stats.kinds[std::string(kind)];
  ++counts.frames;
  counts.bytes += bytes;
}

void LinkTraffic::Unparsed(LinkId link, size_t bytes) {
  absl::MutexLock lock(&mu_);
  Of(link).unparsed_bytes += bytes;
}

void LinkTraffic::Connection(LinkId link) {
  absl::MutexLock lock(&mu_);
  ++Of(link).connections;
}

void LinkTraffic::Refused(LinkId link) {
  absl::MutexLock lock(&mu_);
  ++Of(link).refused;
}

std::vector<LinkTrafficStats> LinkTraffic::Snapshot() const {
  absl::MutexLock lock(&mu_);
  std::vector<LinkTrafficStats> out;
  out.reserve(links_.size());
  for (const auto& [key, stats] : links_) out.push_back(stats);
  return out;
}

}  // namespace agent
}  // namespace turncoat
