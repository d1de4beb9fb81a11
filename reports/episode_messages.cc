#include "reports/episode_messages.h"

#include <algorithm>
#include <fstream>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "model/event_log.h"

namespace turncoat {

void EpisodeMessages::Add(const MessageFate& message) {
  const int from = message.from >= n_ ? message.from - n_ : message.from;
  for (Episode& e : *episodes_) {
    if (e.kind != InvariantKind::kSafety) continue;
    if (message.t > e.began || message.t < e.began - kEpisodeMessageWindow) continue;
    const bool on_link = std::find(e.replicas.begin(), e.replicas.end(), from) != e.replicas.end() ||
                         std::find(e.replicas.begin(), e.replicas.end(), message.to) !=
                             e.replicas.end();
    if (!on_link) continue;
    ++e.message_actions[message.action];
    e.messages.push_back(message);
  }
}

void EpisodeMessages::Finish() {
  const auto by_time = [](const MessageFate& a, const MessageFate& b) { return a.t < b.t; };
  for (Episode& e : *episodes_) {
    if (e.messages.size() <= kMaxEpisodeMessages) {
      std::stable_sort(e.messages.begin(), e.messages.end(), by_time);
      continue;
    }
    // The messages a fault rule acted on say what the adversary did; plain
    // passes only fill what room they leave.
    const auto acted_first = [](const MessageFate& a, const MessageFate& b) {
      const bool a_acted = a.action != kPassAction;
      const bool b_acted = b.action != kPassAction;
      return a_acted != b_acted ? a_acted : a.t > b.t;
    };
    std::stable_sort(e.messages.begin(), e.messages.end(), acted_first);
    e.messages.resize(kMaxEpisodeMessages);
    std::stable_sort(e.messages.begin(), e.messages.end(), by_time);
  }
}

absl::Status AttachTraceMessages(const std::string& path, int n, std::vector<Episode>* episodes) {
  const bool any = std::any_of(episodes->begin(), episodes->end(),
                               [](const Episode& e) { return e.kind == InvariantKind::kSafety; });
  if (!any) return absl::OkStatus();
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the history"));
  EpisodeMessages messages(n, episodes);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    // EventToJson writes keys sorted, so a message line carries this.
    if (!absl::StrContains(line, "\"type\":\"message\"")) continue;
    absl::StatusOr<Event> event = EventFromJson(line);
    if (!event.ok()) {
      if (in.peek() == std::char_traits<char>::eof()) break;  // cut off mid-write
      return absl::DataLossError(
          absl::StrCat(path, ":", number, ": bad event: ", event.status().message()));
    }
    if (const MessageFate* m = std::get_if<MessageFate>(&*event)) messages.Add(*m);
  }
  messages.Finish();
  return absl::OkStatus();
}

}  // namespace turncoat
