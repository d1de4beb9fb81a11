#include "model/event_log.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"

namespace turncoat {
namespace {

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/" + name + "." + std::to_string(::getpid());
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

TEST(EventJsonTest, CommitLineIsStable) {
  EXPECT_EQ(EventToJson(Commit{absl::Microseconds(1500), 2, 7, "v"}),
            R"({"replica":2,"seq":7,"t_us":1500,"type":"commit","value":"v"})");
}

TEST(EventJsonTest, MessageLineIsStable) {
  MessageFate dropped{absl::Microseconds(2500), 2, 0, "/refbft.Replica/Vote",
                      MessageDirection::kRequest, 143, "drop", "omission-0"};
  EXPECT_EQ(EventToJson(dropped),
            R"({"action":"drop","bytes":143,"direction":"request","from":2,)"
            R"("method":"/refbft.Replica/Vote","rule":"omission-0","t_us":2500,"to":0,)"
            R"("type":"message"})");
  // A message no rule matched has no rule.
  MessageFate passed{absl::Microseconds(7), 0, 1, "/refbft.Replica/Vote",
                     MessageDirection::kResponse, 5, "pass", ""};
  EXPECT_EQ(EventToJson(passed),
            R"({"action":"pass","bytes":5,"direction":"response","from":0,)"
            R"("method":"/refbft.Replica/Vote","t_us":7,"to":1,"type":"message"})");
  EXPECT_EQ(EventToJson(TraceStart{absl::Microseconds(9), 10}),
            R"({"sample_every":10,"t_us":9,"type":"trace_start"})");
}

TEST(EventJsonTest, NonUtf8ValuesRoundTripAsHex) {
  const std::string bytes("\x00\xff\xc3", 3);
  const std::string line = EventToJson(Submit{absl::Seconds(1), 3, 1, bytes});
  EXPECT_EQ(line,
            R"({"client":3,"replica":1,"t_us":1000000,"type":"submit","value_hex":"00ffc3"})");
  absl::StatusOr<Event> back = EventFromJson(line);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(std::get<Submit>(*back).value, bytes);
}

TEST(EventJsonTest, EveryEventTypeRoundTrips) {
  ProcessExit exit;
  exit.t = absl::Milliseconds(9);
  exit.replica = 1;
  exit.requested = false;
  exit.signal = 11;
  exit.detail = "segfault";
  LinkStats stats;
  stats.t = absl::Seconds(2);
  stats.from = 0;
  stats.to = 3;
  stats.counters = {{"forwarded", 120}, {"dropped", 3}};
  const std::vector<Event> events = {
      RunStart{absl::ZeroDuration(), "2024-01-01T00:00:00Z"},
      ClusterReady{absl::Microseconds(850)},
      Submit{absl::Milliseconds(1), 0, 2, "a"},
      Ack{absl::Milliseconds(2), 0, 2, "a", false, "unavailable"},
      Commit{absl::Milliseconds(3), 2, 1, "a"},
      FaultStart{absl::Milliseconds(4), 1, "crash", {2, 3}},
      FaultEnd{absl::Milliseconds(5), 1},
      FaultStep{absl::Milliseconds(5), 0, "round 2: partition [0, 1] | [2, 3]", {0, 1, 2, 3}},
      ProcessStart{absl::Milliseconds(6), 2, 4242},
      exit,
      stats,
      LinkTraffic{absl::Seconds(2), 3, 0, {{"prepare", {12, 1400}}, {"type 99", {1, 16}}}, 5, 2, 1},
      TraceStart{absl::Milliseconds(7), 3},
      MessageFate{absl::Milliseconds(8), 1, 2, "/m", MessageDirection::kResponse, 12, "delay",
                  "delay-1"},
      MessageFate{absl::Milliseconds(8), 1, 2, "/m", MessageDirection::kRequest, 0, "pass", ""},
      RunEnd{absl::Seconds(20)},
  };
  for (const Event& e : events) {
    const std::string line = EventToJson(e);
    absl::StatusOr<Event> back = EventFromJson(line);
    ASSERT_TRUE(back.ok()) << line << ": " << back.status();
    EXPECT_EQ(EventToJson(*back), line);
    EXPECT_EQ(back->index(), e.index()) << line;
  }
  const absl::StatusOr<Event> exit_back = EventFromJson(EventToJson(exit));
  ASSERT_TRUE(exit_back.ok());
  const ProcessExit& parsed = std::get<ProcessExit>(*exit_back);
  EXPECT_FALSE(parsed.exit_code.has_value());
  EXPECT_EQ(parsed.signal, 11);
}

TEST(EventJsonTest, LinkTrafficKeepsItsCountsPerKind) {
  const std::string line = EventToJson(
      LinkTraffic{absl::Seconds(1), 0, 1, {{"commit", {3, 300}}}, 7, 2, 1});
  EXPECT_EQ(line,
            R"({"connections":2,"from":0,"kinds":{"commit":{"bytes":300,"frames":3}},)"
            R"("refused":1,"t_us":1000000,"to":1,"type":"link_traffic","unparsed_bytes":7})");
  absl::StatusOr<Event> back = EventFromJson(line);
  ASSERT_TRUE(back.ok()) << back.status();
  const LinkTraffic& parsed = std::get<LinkTraffic>(*back);
  EXPECT_EQ(parsed.kinds.at("commit"), (LinkTraffic::Count{3, 300}));
  EXPECT_EQ(parsed.refused, 1);
  EXPECT_FALSE(EventFromJson(R"({"connections":2,"from":0,"kinds":{"commit":{"frames":3}},)"
                             R"("refused":1,"t_us":1,"to":1,"type":"link_traffic","unparsed_bytes":7})")
                   .ok())
      << "a kind without its bytes";
}

// A gRPC link's line carries what its proxy rejected; a line without those
// fields (a TCP link's, or one written before they existed) reads as 0.
TEST(EventJsonTest, LinkTrafficKeepsWhatAGrpcProxyRejected) {
  LinkTraffic rejected{absl::Seconds(1), 2, 0, {}, 0, 0, 0};
  rejected.malformed_connections = 3;
  rejected.oversized_messages = 1;
  const std::string line = EventToJson(rejected);
  EXPECT_EQ(line,
            R"({"connections":0,"from":2,"kinds":{},"malformed_connections":3,)"
            R"("oversized_messages":1,"refused":0,"t_us":1000000,"to":0,"type":"link_traffic",)"
            R"("unparsed_bytes":0})");
  absl::StatusOr<Event> back = EventFromJson(line);
  ASSERT_TRUE(back.ok()) << back.status();
  const LinkTraffic& parsed = std::get<LinkTraffic>(*back);
  EXPECT_EQ(parsed.malformed_connections, 3);
  EXPECT_EQ(parsed.oversized_messages, 1);
  EXPECT_EQ(EventToJson(*back), line);

  absl::StatusOr<Event> old = EventFromJson(
      R"({"connections":2,"from":0,"kinds":{},"refused":1,"t_us":1,"to":1,)"
      R"("type":"link_traffic","unparsed_bytes":7})");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(std::get<LinkTraffic>(*old).malformed_connections, 0);
  EXPECT_EQ(std::get<LinkTraffic>(*old).oversized_messages, 0);
  EXPECT_FALSE(EventFromJson(R"({"connections":0,"from":2,"kinds":{},"malformed_connections":"3",)"
                             R"("refused":0,"t_us":1,"to":0,"type":"link_traffic",)"
                             R"("unparsed_bytes":0})")
                   .ok())
      << "a count that is not an integer";
}

TEST(EventJsonTest, SubmissionsThroughTheClientProgramKeepReplicaMinusOne) {
  const std::string submit = EventToJson(Submit{absl::Seconds(1), 2, -1, "a"});
  EXPECT_EQ(submit, R"({"client":2,"replica":-1,"t_us":1000000,"type":"submit","value":"a"})");
  const std::string ack = EventToJson(Ack{absl::Seconds(2), 2, -1, "a", false, "refused: no"});
  absl::StatusOr<Event> back = EventFromJson(submit);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(std::get<Submit>(*back).replica, -1);
  back = EventFromJson(ack);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(std::get<Ack>(*back).replica, -1);
  EXPECT_EQ(std::get<Ack>(*back).error, "refused: no");
}

TEST(EventJsonTest, MalformedEventsSayWhatIsWrong) {
  EXPECT_EQ(std::string(EventFromJson("[1]").status().message()), "not a JSON object");
  EXPECT_EQ(std::string(EventFromJson(R"({"type":"commit","t_us":1})").status().message()),
            "missing 'replica'");
  EXPECT_EQ(
      std::string(EventFromJson(R"({"type":"commit","t_us":1,"replica":0,"seq":-1,"value":"a"})")
                      .status()
                      .message()),
      "'seq' is not a non-negative integer");
  EXPECT_EQ(std::string(EventFromJson(R"({"type":"vote","t_us":1})").status().message()),
            "unknown event type 'vote'");
  EXPECT_EQ(std::string(EventFromJson(R"({"type":"message","t_us":1,"from":0,"to":1,)"
                                      R"("method":"/m","direction":"up","bytes":1,)"
                                      R"("action":"pass"})")
                            .status()
                            .message()),
            "'direction' is not \"request\" or \"response\"");
  EXPECT_EQ(std::string(EventFromJson(R"({"type":"trace_start","t_us":1,"sample_every":0})")
                            .status()
                            .message()),
            "'sample_every' is not an integer from 1 to 4294967295");
}

TEST(EventLogTest, AppendedEventsReadBack) {
  const std::string path = TempPath("history.jsonl");
  std::remove(path.c_str());
  {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Create(path);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append(Submit{absl::Milliseconds(1), 0, 1, "a"}).ok());
    ASSERT_TRUE((*log)->Append(Commit{absl::Milliseconds(5), 1, 1, "a"}).ok());
    // Each append reaches the file at once, not when the log is closed.
    absl::StatusOr<LoadedHistory> so_far = ReadEventLog(path);
    ASSERT_TRUE(so_far.ok());
    EXPECT_EQ(so_far->history.commits().size(), 1u);
  }
  absl::StatusOr<LoadedHistory> loaded = ReadEventLog(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(loaded->truncated_tail);
  ASSERT_EQ(loaded->history.submits().size(), 1u);
  EXPECT_EQ(loaded->history.commits()[0].t, absl::Milliseconds(5));

  absl::StatusOr<std::unique_ptr<EventLog>> again = EventLog::Create(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(std::string(again.status().message()), "cannot create " + path + ": File exists");
  std::remove(path.c_str());
}

// The plan's timeline counts from the cluster's ready time, so the reports'
// planned phase times rest on this line surviving the file.
TEST(EventLogTest, ClusterReadyRoundTripsThroughTheFile) {
  EXPECT_EQ(EventToJson(ClusterReady{absl::Microseconds(1234567)}),
            R"({"t_us":1234567,"type":"cluster_ready"})");
  const std::string path = TempPath("ready.jsonl");
  std::remove(path.c_str());
  {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Create(path);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append(RunStart{absl::ZeroDuration(), "2024-01-01T00:00:00Z"}).ok());
    ASSERT_TRUE((*log)->Append(ClusterReady{absl::Microseconds(1234567)}).ok());
    ASSERT_TRUE((*log)->Append(RunEnd{absl::Seconds(3)}).ok());
  }
  absl::StatusOr<LoadedHistory> loaded = ReadEventLog(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->history.cluster_ready().has_value());
  EXPECT_EQ(loaded->history.cluster_ready()->t, absl::Microseconds(1234567));
  EXPECT_EQ(loaded->history.end(), absl::Seconds(3));
  EXPECT_EQ(std::string(EventFromJson(R"({"type":"cluster_ready"})").status().message()),
            "missing 't_us'");
  std::remove(path.c_str());
}

TEST(EventLogTest, MessageFatesReachTheFileAsTheyArrive) {
  const std::string path = TempPath("trace.jsonl");
  std::remove(path.c_str());
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Create(path);
  ASSERT_TRUE(log.ok()) << log.status();
  const MessageFate fate{absl::Milliseconds(3), 2, 1, "/refbft.Replica/Propose",
                         MessageDirection::kRequest, 200, "drop", "omission-0"};
  ASSERT_TRUE((*log)->Append(TraceStart{absl::Milliseconds(1), 1}).ok());
  ASSERT_TRUE((*log)->Append(fate).ok());
  // On disk before the log is closed, one line each.
  std::ifstream in(path);
  std::string first, second;
  ASSERT_TRUE(std::getline(in, first) && std::getline(in, second));
  EXPECT_EQ(second, EventToJson(fate));
  absl::StatusOr<LoadedHistory> loaded = ReadEventLog(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->history.trace_sample_every(), 1u);
  EXPECT_EQ(loaded->history.message_counts().at({2, 1}).at("drop"), 1);
  std::remove(path.c_str());
}

TEST(EventLogTest, CutOffLastLineIsSkipped) {
  const std::string path = TempPath("cut.jsonl");
  WriteFile(path, EventToJson(Commit{absl::Milliseconds(5), 1, 1, "a"}) + "\n" +
                      R"({"type":"commit","t_us":9,"repl)");
  absl::StatusOr<LoadedHistory> loaded = ReadEventLog(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->truncated_tail);
  EXPECT_EQ(loaded->history.commits().size(), 1u);
  std::remove(path.c_str());
}

// Appends to a new log at `path` until the disk is "full": a file size
// limit of 1000 bytes stands in for it (a write past it fails with EFBIG
// once SIGXFSZ is ignored). Exits 0 if the failure was as promised.
[[noreturn]] void AppendUntilTheDiskIsFull(const std::string& path) {
  signal(SIGXFSZ, SIG_IGN);
  const rlimit limit{1000, 1000};
  setrlimit(RLIMIT_FSIZE, &limit);
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Create(path);
  if (!log.ok()) std::_Exit(2);
  int written = 0;
  absl::Status failed;
  for (int i = 0; i < 100 && failed.ok(); ++i) {
    failed = (*log)->Append(
        Commit{absl::Milliseconds(i), 1, static_cast<uint64_t>(i), std::string(40, 'v')});
    if (failed.ok()) ++written;
  }
  const absl::Status again = (*log)->Append(RunEnd{absl::Seconds(1)});
  std::fprintf(stderr, "written=%d: %s\n", written, std::string(failed.message()).c_str());
  std::_Exit(failed.code() == absl::StatusCode::kResourceExhausted && again == failed ? 0 : 1);
}

// A full disk mid-run: the line being written when space ran out is cut
// off again and nothing more is written, so what the file holds reads
// back. In a child process, which the file size limit is set for.
TEST(EventLogDeathTest, AFullDiskLeavesWholeLinesAndStopsWriting) {
  const std::string path = TempPath("full.jsonl");
  std::remove(path.c_str());
  EXPECT_EXIT(AppendUntilTheDiskIsFull(path), ::testing::ExitedWithCode(0),
              "written=[1-9][0-9]*: cannot append to .*full\\.jsonl\\.[0-9]+: File too large");
  absl::StatusOr<LoadedHistory> loaded = ReadEventLog(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(loaded->truncated_tail) << "the cut-short line was removed";
  EXPECT_GT(loaded->history.commits().size(), 5u);
  EXPECT_FALSE(loaded->history.run_end().has_value()) << "nothing written after the failure";
  std::remove(path.c_str());
}

TEST(EventLogTest, BadLineInTheMiddleIsAnError) {
  const std::string path = TempPath("bad.jsonl");
  WriteFile(path, EventToJson(RunEnd{absl::Seconds(1)}) + "\ngarbage\n" +
                      EventToJson(RunEnd{absl::Seconds(2)}) + "\n");
  absl::StatusOr<LoadedHistory> loaded = ReadEventLog(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(std::string(loaded.status().message()), path + ":2: bad event: not a JSON object");
  std::remove(path.c_str());
}

TEST(HistoryTest, MessageFatesAreCountedNotKept) {
  History h;
  EXPECT_FALSE(h.trace_sample_every().has_value());
  h.Add(TraceStart{absl::ZeroDuration(), 2});
  for (int i = 0; i < 3; ++i) {
    h.Add(MessageFate{absl::Milliseconds(i), 2, 0, "/m", MessageDirection::kRequest, 10, "drop",
                      "omission-0"});
  }
  h.Add(MessageFate{absl::Seconds(4), 0, 2, "/m", MessageDirection::kResponse, 10, "pass", ""});
  EXPECT_EQ(h.trace_sample_every(), 2u);
  const MessageCounts expected = {{{2, 0}, {{"drop", 3}}}, {{0, 2}, {{"pass", 1}}}};
  EXPECT_EQ(h.message_counts(), expected);
  EXPECT_EQ(h.end(), absl::Seconds(4));
}

TEST(HistoryTest, FaultIntervalsPairStartsWithEnds) {
  History h;
  h.Add(FaultEnd{absl::Seconds(9), 0});  // arrivals out of order
  h.Add(FaultStart{absl::Seconds(5), 1, "crash", {2}});
  h.Add(FaultStart{absl::Seconds(2), 0, "delay", {0, 1}});
  h.Add(Commit{absl::Seconds(12), 0, 1, "a"});
  const std::vector<FaultInterval> intervals = h.FaultIntervals();
  ASSERT_EQ(intervals.size(), 2u);
  EXPECT_EQ(intervals[0].adversary, "delay");
  EXPECT_EQ(intervals[0].end, absl::Seconds(9));
  EXPECT_TRUE(intervals[0].ended);
  EXPECT_EQ(intervals[1].adversary, "crash");
  EXPECT_FALSE(intervals[1].ended);
  EXPECT_EQ(intervals[1].end, absl::Seconds(12));  // open until the history ends
  EXPECT_EQ(h.end(), absl::Seconds(12));
  h.Add(RunEnd{absl::Seconds(20)});
  EXPECT_EQ(h.end(), absl::Seconds(20));
}

TEST(HistoryTest, FaultIntervalsCarryTheirPhasesStepsInTimeOrder) {
  History h;
  h.Add(FaultStart{absl::Seconds(2), 0, "random", {3}});
  h.Add(FaultStep{absl::Seconds(6), 0, "round 2", {3}});
  h.Add(FaultStep{absl::Seconds(4), 0, "round 1", {0, 3}});
  h.Add(FaultStep{absl::Seconds(4), 1, "another phase", {1}});
  h.Add(FaultEnd{absl::Seconds(8), 0});
  h.Add(FaultStart{absl::Seconds(10), 0, "random", {3}});  // the phase again, later
  h.Add(FaultEnd{absl::Seconds(12), 0});
  const std::vector<FaultInterval> intervals = h.FaultIntervals();
  ASSERT_EQ(intervals.size(), 2u);
  ASSERT_EQ(intervals[0].steps.size(), 2u);
  EXPECT_EQ(intervals[0].steps[0].what, "round 1");
  EXPECT_EQ(intervals[0].steps[0].nodes, (std::vector<int>{0, 3}));
  EXPECT_EQ(intervals[0].steps[1].what, "round 2");
  EXPECT_TRUE(intervals[1].steps.empty());
}

TEST(HistoryTest, StretchesCutAnIntervalAtItsSteps) {
  FaultInterval interval;
  interval.nodes = {3};
  interval.start = absl::Seconds(2);
  interval.end = absl::Seconds(8);
  interval.steps = {FaultStep{absl::Seconds(2), 0, "round 0", {3}},  // at the start: no gap
                    FaultStep{absl::Seconds(5), 0, "round 1", {0, 3}}};
  const std::vector<FaultInterval::Stretch> stretches = interval.Stretches();
  ASSERT_EQ(stretches.size(), 2u);
  EXPECT_EQ(stretches[0].start, absl::Seconds(2));
  EXPECT_EQ(stretches[0].end, absl::Seconds(5));
  EXPECT_EQ(stretches[0].what, "round 0");
  EXPECT_EQ(stretches[1].start, absl::Seconds(5));
  EXPECT_EQ(stretches[1].end, absl::Seconds(8));
  EXPECT_EQ(stretches[1].nodes, (std::vector<int>{0, 3}));

  interval.steps.erase(interval.steps.begin());  // the start's nodes until the first step
  const std::vector<FaultInterval::Stretch> with_start = interval.Stretches();
  ASSERT_EQ(with_start.size(), 2u);
  EXPECT_EQ(with_start[0].nodes, std::vector<int>{3});
  EXPECT_EQ(with_start[0].what, "");
  EXPECT_EQ(with_start[0].end, absl::Seconds(5));
}

}  // namespace
}  // namespace turncoat
