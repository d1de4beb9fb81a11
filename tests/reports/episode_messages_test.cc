#include "reports/episode_messages.h"

#include <fstream>
#include <string>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "model/event_log.h"

namespace turncoat {
namespace {

Episode SafetyAt(absl::Duration began, std::vector<int> replicas) {
  Episode e;
  e.kind = InvariantKind::kSafety;
  e.began = began;
  e.replicas = std::move(replicas);
  return e;
}

MessageFate Message(int64_t ms, int from, int to, const std::string& action) {
  return MessageFate{absl::Milliseconds(ms), from, to, "/p.Peer/Send", MessageDirection::kRequest,
                     64, action, action == "pass" ? "" : "p0-rule"};
}

TEST(EpisodeMessagesTest, KeepsTheLastMessagesOnTheEpisodesLinksBeforeItBegan) {
  std::vector<Episode> episodes = {SafetyAt(absl::Seconds(5), {0, 2})};
  Episode liveness;
  liveness.kind = InvariantKind::kLiveness;
  liveness.began = absl::Seconds(5);
  liveness.replicas = {0, 1, 2, 3};
  episodes.push_back(liveness);
  EpisodeMessages messages(4, &episodes);
  messages.Add(Message(3900, 0, 1, "pass"));   // before the window
  messages.Add(Message(5001, 0, 1, "pass"));   // after the divergence
  messages.Add(Message(4500, 1, 3, "drop"));   // on no link of 0 or 2
  messages.Add(Message(4600, 6, 1, "rewrite"));  // the twin of 2 (n + 2)
  // Arrival order is not time order.
  for (int i = 30; i >= 1; --i) messages.Add(Message(4000 + 10 * i, 1, 0, "pass"));
  messages.Finish();

  const Episode& e = episodes[0];
  EXPECT_EQ(e.message_actions, (std::map<std::string, int64_t>{{"pass", 30}, {"rewrite", 1}}));
  ASSERT_EQ(e.messages.size(), kMaxEpisodeMessages);
  EXPECT_EQ(e.messages.back().action, "rewrite");
  EXPECT_EQ(e.messages.front().t, absl::Milliseconds(4120));  // the rewrite and 19 passes
  for (size_t i = 1; i < e.messages.size(); ++i) {
    EXPECT_LE(e.messages[i - 1].t, e.messages[i].t);
  }
  EXPECT_TRUE(episodes[1].messages.empty());  // liveness episodes get none
}

// What the adversary did matters more than what passed: a rule's action is
// kept even when many passes came after it.
TEST(EpisodeMessagesTest, MessagesAFaultRuleActedOnAreKeptFirst) {
  std::vector<Episode> episodes = {SafetyAt(absl::Seconds(5), {0})};
  EpisodeMessages messages(4, &episodes);
  messages.Add(Message(4100, 1, 0, "drop"));
  for (int i = 1; i <= 30; ++i) messages.Add(Message(4200 + 10 * i, 1, 0, "pass"));
  messages.Finish();
  const Episode& e = episodes[0];
  ASSERT_EQ(e.messages.size(), kMaxEpisodeMessages);
  EXPECT_EQ(e.messages.front().action, "drop");
  EXPECT_EQ(e.messages[1].t, absl::Milliseconds(4320));  // then the last 19 passes
  EXPECT_EQ(e.messages.back().t, absl::Milliseconds(4500));
}

TEST(EpisodeMessagesTest, ReadsTheMessageLinesOfAHistoryFile) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/turncoat_episode_messages_",
                                        getpid(), ".jsonl");
  {
    std::ofstream out(path);
    out << EventToJson(Commit{absl::Seconds(4), 0, 1, "v"}) << "\n"
        << EventToJson(Message(4800, 2, 0, "replace")) << "\n"
        << "{\"type\":\"message\",\"t_us\":";  // cut off mid-write
  }
  std::vector<Episode> episodes = {SafetyAt(absl::Seconds(5), {0})};
  ASSERT_TRUE(AttachTraceMessages(path, 4, &episodes).ok());
  ASSERT_EQ(episodes[0].messages.size(), 1u);
  EXPECT_EQ(episodes[0].messages[0].action, "replace");
  EXPECT_EQ(episodes[0].messages[0].rule, "p0-rule");

  { std::ofstream(path) << "{\"type\":\"message\",\"t_us\":1}\n" << EventToJson(Commit{}) << "\n"; }
  const absl::Status bad = AttachTraceMessages(path, 4, &episodes);
  EXPECT_EQ(bad.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(bad.message().find(path + ":1: bad event"), std::string::npos) << bad;
  unlink(path.c_str());
}

}  // namespace
}  // namespace turncoat
