// WorkloadRunner with the system's own client program (program_client.h):
// tests/harness/testdata/fake_client.py stands in for it, as a long-lived
// process reading stdin or one process per value. Every process is checked
// gone after the runner stops.
#include "harness/program_client.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "harness/workload.h"
#include "tests/harness/event_recorder.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

const std::string kFakeClient = std::string(TURNCOAT_TESTDATA_DIR) + "/fake_client.py";

// True while `pid` is a process that has not ended (a zombie has).
bool Alive(int pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text;
  if (!std::getline(stat, text)) return false;
  const size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

// Waits up to `limit` for `done`.
bool WaitFor(const std::function<bool()>& done, absl::Duration limit) {
  const absl::Time until = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

// True once `pid` has ended, allowing a killed process a moment to die.
bool Gone(int pid) {
  return WaitFor([pid] { return !Alive(pid); }, absl::Seconds(1));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Workload MakeWorkload(double rate, int clients) {
  Workload w;
  w.rate = rate;
  w.clients = clients;
  w.value_bytes = 24;
  return w;
}

class ProgramClientTest : public testing::Test {
 protected:
  void SetUp() override {
    const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = absl::StrCat(testing::TempDir(), "/program_client_test-", getpid(), "-", test->name());
    fs::remove_all(dir_);
    fs::create_directories(pid_dir());
    const std::string targets = std::string(TURNCOAT_SOURCE_DIR) + "/targets";
    absl::StatusOr<std::unique_ptr<ProtoSchema>> schema =
        ProtoSchema::Load({targets}, {targets + "/refbft/refbft.proto"});
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = std::move(*schema);
  }

  void TearDown() override {
    // Whatever a test did, none of the processes it started may be left.
    for (int pid : Pids("")) EXPECT_TRUE(Gone(pid)) << "process " << pid << " outlived its test";
    fs::remove_all(dir_);
  }

  std::string log_dir() const { return dir_ + "/logs"; }
  std::string pid_dir() const { return dir_ + "/pids"; }

  // The processes the fake client started: "program", "grandchild", or ""
  // for both.
  std::vector<int> Pids(const std::string& what) const {
    std::vector<int> pids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(pid_dir(), ec)) {
      if (what.empty() || ReadAll(entry.path().string()) == what) {
        pids.push_back(std::stoi(entry.path().filename().string()));
      }
    }
    return pids;
  }

  static ClientSpec Spec(CommandClientSpec::Input input, absl::Duration deadline, int in_flight) {
    ClientSpec client;
    client.kind = ClientSpec::Kind::kCommand;
    client.command.input = input;
    client.command.ack_regex = "^ack (?P<value>\\S+)$";
    client.command.fail_regex = "^fail (?P<value>\\S+)$";
    client.deadline = deadline;
    client.in_flight = in_flight;
    return client;
  }

  // Client programs running fake_client.py with `flags`, one per client.
  WorkloadOptions Options(const ClientSpec& client, Workload workload,
                          const std::vector<std::string>& flags) {
    WorkloadOptions options;
    options.workload = workload;
    options.seed = 5;
    for (int c = 0; c < workload.clients; ++c) {
      ClientProgram program;
      program.process.argv = {"/usr/bin/python3", kFakeClient, "--pid-dir=" + pid_dir()};
      if (client.command.input == CommandClientSpec::Input::kArgs) {
        program.process.argv.push_back("--args");
      }
      program.process.argv.insert(program.process.argv.end(), flags.begin(), flags.end());
      program.process.cwd = dir_;
      program.process.files = {{dir_ + "/conf/client.conf", "written before it starts"}};
      program.log_dir = log_dir();
      if (client.command.input == CommandClientSpec::Input::kStdin) {
        program.request = [](absl::string_view value, int64_t seq) {
          return std::vector<std::string>{absl::StrCat("submit ", value)};
        };
      } else {
        program.request = [](absl::string_view value, int64_t seq) {
          return std::vector<std::string>{"submit", std::string(value)};
        };
      }
      options.programs.push_back(std::move(program));
    }
    return options;
  }

  std::unique_ptr<WorkloadRunner> MakeRunner(const ClientSpec& client, WorkloadOptions options,
                                             Recorder* recorder) {
    absl::StatusOr<std::unique_ptr<WorkloadRunner>> runner = WorkloadRunner::Create(
        client, *schema_, std::move(options), recorder->clock(), recorder->sink());
    EXPECT_TRUE(runner.ok()) << runner.status();
    return runner.ok() ? std::move(*runner) : nullptr;
  }

  absl::Status CreateStatus(const ClientSpec& client, WorkloadOptions options) {
    Recorder recorder;
    return WorkloadRunner::Create(client, *schema_, std::move(options), recorder.clock(),
                                  recorder.sink())
        .status();
  }

  std::string dir_;
  std::unique_ptr<ProtoSchema> schema_;
};

// Every Submit has exactly one Ack, after it, both through the program.
void ExpectOneAckPerSubmit(Recorder& recorder) {
  for (const auto& [value, events] : recorder.by_value()) {
    ASSERT_EQ(events.size(), 2u) << value;
    const auto* submit = std::get_if<Submit>(&events[0]);
    const auto* ack = std::get_if<Ack>(&events[1]);
    ASSERT_TRUE(submit != nullptr && ack != nullptr) << value;
    EXPECT_EQ(submit->replica, kViaClientProgram);
    EXPECT_EQ(ack->replica, kViaClientProgram);
    EXPECT_EQ(ack->client, submit->client);
    EXPECT_GE(ack->t, submit->t);
  }
}

using Input = CommandClientSpec::Input;

// Waits, a bounded while, until `recorder` holds `count` acks: a client
// program starts slower on a loaded machine, and the pacing a test measures
// begins only once it answers.
void AwaitAcks(Recorder& recorder, size_t count) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (recorder.acks().size() < count && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
}

TEST_F(ProgramClientTest, StdinProgramGetsEveryValuePacedAndAcksIt) {
  const ClientSpec client = Spec(Input::kStdin, absl::Seconds(1), 1);
  Recorder recorder;
  auto runner = MakeRunner(client, Options(client, MakeWorkload(40, 2), {"--noise"}), &recorder);
  ASSERT_NE(runner, nullptr);
  EXPECT_EQ(ReadAll(dir_ + "/conf/client.conf"), "written before it starts");
  EXPECT_TRUE(Pids("").empty()) << "started before Start";
  runner->Start();
  AwaitAcks(recorder, 1);
  absl::SleepFor(absl::Milliseconds(1500));
  runner->Stop();

  // 40/s for 1.5 s once the programs answer, within a margin for what one
  // value in flight per client added while they started.
  EXPECT_GE(runner->submitted(), 40);
  EXPECT_LE(runner->submitted(), 66);
  EXPECT_EQ(runner->accepted(), runner->submitted());
  const auto per_client = recorder.first_attempts();
  ASSERT_EQ(per_client.size(), 2u);
  for (const auto& [c, submits] : per_client) {
    EXPECT_GE(submits.size(), 18u) << "client " << c;
    for (size_t k = 0; k < submits.size(); ++k) {
      EXPECT_EQ(submits[k].value, WorkloadValue(5, c, k, 24));
    }
  }
  for (const Ack& a : recorder.acks()) EXPECT_TRUE(a.accepted) << a.value << ": " << a.error;
  ExpectOneAckPerSubmit(recorder);
  // One long-lived program per client; the noise (an ack of a value never
  // submitted among it) changed nothing but is in the log.
  EXPECT_EQ(Pids("program").size(), 2u);
  const std::string log = ReadAll(log_dir() + "/client-1.stdout");
  EXPECT_TRUE(absl::StrContains(log, "noise: working on tc5-c1-0-")) << log;
  EXPECT_TRUE(absl::StrContains(log, "ack tc-never-submitted")) << log;
  EXPECT_TRUE(absl::StrContains(log, "ack tc5-c1-0-")) << log;
}

TEST_F(ProgramClientTest, StdinAcksAreMatchedByValueOutOfOrder) {
  // The program answers each three requests in reverse order, so it needs
  // three in flight.
  const ClientSpec client = Spec(Input::kStdin, absl::Seconds(1), 3);
  Recorder recorder;
  auto runner = MakeRunner(client, Options(client, MakeWorkload(30, 1), {"--hold=3"}), &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  ASSERT_TRUE(WaitFor([&] { return runner->accepted() >= 6; }, absl::Seconds(3)));
  runner->Stop();

  // Values 0..5 were acknowledged, each by its own line, in the order
  // 2 1 0 5 4 3.
  const std::map<std::string, std::vector<Event>> by_value = recorder.by_value();
  std::vector<std::string> values;
  for (int k = 0; k < 6; ++k) {
    values.push_back(WorkloadValue(5, 0, k, 24));
    const auto it = by_value.find(values.back());
    ASSERT_NE(it, by_value.end()) << k;
    ASSERT_EQ(it->second.size(), 2u) << k;
    const auto* ack = std::get_if<Ack>(&it->second[1]);
    ASSERT_NE(ack, nullptr);
    EXPECT_TRUE(ack->accepted) << k << ": " << ack->error;
  }
  const std::string log = ReadAll(log_dir() + "/client-0.stdout");
  std::vector<size_t> at;
  for (const std::string& v : values) at.push_back(log.find("ack " + v));
  EXPECT_LT(at[2], at[1]);
  EXPECT_LT(at[1], at[0]);
  EXPECT_LT(at[0], at[5]);
  EXPECT_LT(at[5], at[4]);
  EXPECT_LT(at[4], at[3]);
  ExpectOneAckPerSubmit(recorder);
}

TEST_F(ProgramClientTest, StdinFailLineRefusesTheValue) {
  const ClientSpec client = Spec(Input::kStdin, absl::Seconds(1), 1);
  Recorder recorder;
  auto runner =
      MakeRunner(client, Options(client, MakeWorkload(40, 1), {"--refuse-every=2"}), &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  AwaitAcks(recorder, 12);
  runner->Stop();

  int refused = 0;
  int accepted = 0;
  for (const Ack& a : recorder.acks()) {
    if (a.accepted) {
      ++accepted;
      continue;
    }
    EXPECT_EQ(a.error, absl::StrCat("refused: fail ", a.value));
    ++refused;
  }
  EXPECT_GE(refused, 5);
  EXPECT_LE(std::abs(refused - accepted), 1);
  ExpectOneAckPerSubmit(recorder);
}

TEST_F(ProgramClientTest, StdinDeadlineFailsTheValueAndALateAckIsOnlyLogged) {
  const ClientSpec client = Spec(Input::kStdin, absl::Milliseconds(200), 2);
  Recorder recorder;
  auto runner =
      MakeRunner(client, Options(client, MakeWorkload(10, 1), {"--delay=0.5"}), &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  absl::SleepFor(absl::Milliseconds(1200));
  runner->Stop();

  const std::vector<Submit> submits = recorder.submits();
  ASSERT_GE(submits.size(), 4u);
  for (const Ack& a : recorder.acks()) {
    EXPECT_FALSE(a.accepted);
    EXPECT_EQ(a.error, "DEADLINE_EXCEEDED: no acknowledgement within 200ms");
  }
  ExpectOneAckPerSubmit(recorder);
  for (const auto& [value, events] : recorder.by_value()) {
    const absl::Duration waited = EventTime(events[1]) - EventTime(events[0]);
    EXPECT_GE(waited, absl::Milliseconds(195)) << value;
    EXPECT_LE(waited, absl::Milliseconds(450)) << value;
  }
  // The program did answer, too late: its lines are in the log, not in the
  // history.
  EXPECT_TRUE(absl::StrContains(ReadAll(log_dir() + "/client-0.stdout"),
                                absl::StrCat("ack ", submits[0].value)));
}

TEST_F(ProgramClientTest, StdinProgramExitFailsItsValuesAndRestartsABoundedNumberOfTimes) {
  // Each incarnation acks two values, then exits with code 3 on reading the
  // third.
  const ClientSpec client = Spec(Input::kStdin, absl::Seconds(1), 1);
  WorkloadOptions options = Options(client, MakeWorkload(50, 1),
                                    {"--exit-after=3", "--exit-code=3", "--stderr=giving up"});
  options.max_restarts = 2;
  Recorder recorder;
  auto runner = MakeRunner(client, std::move(options), &recorder);
  ASSERT_NE(runner, nullptr);
  testing::internal::CaptureStderr();
  runner->Start();
  // Three incarnations, two restart pauses of 200 ms: well within 4 s.
  const bool gave_up = WaitFor([&] { return recorder.acks().size() >= 9; }, absl::Seconds(4));
  absl::SleepFor(absl::Milliseconds(400));  // nothing more comes
  runner->Stop();
  const std::string stderr_text = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(gave_up) << recorder.acks().size() << " acks";

  EXPECT_EQ(runner->submitted(), 9);
  EXPECT_EQ(runner->accepted(), 6);
  const std::vector<Ack> acks = recorder.acks();
  ASSERT_EQ(acks.size(), 9u);
  for (size_t i = 0; i < acks.size(); ++i) {
    if (i % 3 == 2) {
      EXPECT_FALSE(acks[i].accepted);
      EXPECT_EQ(acks[i].error, "client program exited with code 3 (stderr: giving up)");
    } else {
      EXPECT_TRUE(acks[i].accepted) << acks[i].error;
    }
  }
  ExpectOneAckPerSubmit(recorder);
  EXPECT_EQ(Pids("program").size(), 3u);
  EXPECT_TRUE(absl::StrContains(stderr_text, "client 0's program stopped 3 times")) << stderr_text;
  EXPECT_TRUE(absl::StrContains(stderr_text, "client 0 submits no more values")) << stderr_text;
  EXPECT_EQ(ReadAll(log_dir() + "/client-0.stderr"), "giving up\ngiving up\ngiving up\n");
}

TEST_F(ProgramClientTest, InFlightKeepsUpToKValuesOutstanding) {
  for (int in_flight : {1, 3}) {
    SCOPED_TRACE(absl::StrCat("in_flight ", in_flight));
    const ClientSpec client = Spec(Input::kStdin, absl::Seconds(1), in_flight);
    Recorder recorder;
    auto runner =
        MakeRunner(client, Options(client, MakeWorkload(50, 1), {"--delay=0.25"}), &recorder);
    ASSERT_NE(runner, nullptr);
    runner->Start();
    AwaitAcks(recorder, 1);
    absl::SleepFor(absl::Seconds(1));
    runner->Stop();

    EXPECT_EQ(recorder.max_outstanding()[0], in_flight);
    // A value per 250 ms per slot, where 50/s was asked for: about 4 per
    // slot in the second after the first answer, beside the first ones.
    EXPECT_GE(runner->submitted(), 3 * in_flight);
    EXPECT_LE(runner->submitted(), 6 * in_flight + 1);
    EXPECT_EQ(runner->accepted(), runner->submitted());
  }
}

TEST_F(ProgramClientTest, ClosedLoopThenSetRatePacesWithoutABurst) {
  const ClientSpec client = Spec(Input::kStdin, absl::Seconds(1), 2);
  WorkloadOptions options = Options(client, MakeWorkload(0, 2), {"--delay=0.01"});
  options.closed_loop = true;
  Recorder recorder;
  auto runner = MakeRunner(client, std::move(options), &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  ASSERT_TRUE(WaitFor([&] { return runner->accepted() > 0; }, absl::Seconds(3)));
  const absl::Duration up = recorder.now();
  absl::SleepFor(absl::Milliseconds(500));
  const absl::Duration closed_until = recorder.now();
  ASSERT_TRUE(runner->SetRate(20).ok());
  // A value taken in closed loop just before the switch may be recorded
  // just after it.
  const absl::Duration switched = recorder.now() + absl::Milliseconds(5);
  absl::SleepFor(absl::Seconds(1));
  runner->Stop();

  std::vector<absl::Duration> before;
  std::vector<absl::Duration> after;
  for (const Submit& s : recorder.submits()) {
    if (s.t >= up && s.t < closed_until) before.push_back(s.t);
    if (s.t > switched) after.push_back(s.t);
  }
  // Four slots answered within about 10 ms each: far more than 20/s.
  EXPECT_GE(before.size(), 40u);
  EXPECT_EQ(recorder.max_outstanding()[0], 2);
  // Then 20/s, evenly: no more than three in any 100 ms.
  EXPECT_GE(after.size(), 14u);
  EXPECT_LE(after.size(), 26u);
  for (size_t i = 3; i < after.size(); ++i) {
    EXPECT_GE(after[i] - after[i - 3], absl::Milliseconds(100)) << "burst at " << i;
  }
  ExpectOneAckPerSubmit(recorder);
}

TEST_F(ProgramClientTest, StopWaitsForValuesInFlightThenLeavesNoProcess) {
  // The programs ignore end-of-file on stdin and each has a child of its
  // own: only killing their process groups ends them.
  const ClientSpec client = Spec(Input::kStdin, absl::Seconds(1), 1);
  Recorder recorder;
  auto runner = MakeRunner(
      client, Options(client, MakeWorkload(20, 2), {"--linger", "--grandchild", "--delay=0.3"}),
      &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  ASSERT_TRUE(WaitFor([&] { return recorder.submits().size() >= 2; }, absl::Seconds(3)));
  ASSERT_TRUE(WaitFor([&] { return Pids("grandchild").size() == 2; }, absl::Seconds(3)));
  const std::vector<int> pids = Pids("");
  ASSERT_EQ(pids.size(), 4u);
  for (int pid : pids) EXPECT_TRUE(Alive(pid)) << pid;

  const absl::Time stop_at = absl::Now();
  runner->Stop();
  // The values in flight were answered (0.3 s), then stdin closed, a
  // quarter second's grace, and the kill.
  EXPECT_LE(absl::Now() - stop_at, absl::Milliseconds(1500));
  for (int pid : pids) EXPECT_TRUE(Gone(pid)) << pid;
  for (const Ack& a : recorder.acks()) EXPECT_TRUE(a.accepted) << a.error;
  ExpectOneAckPerSubmit(recorder);
  const size_t events = recorder.events().size();
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(recorder.events().size(), events);
}

TEST_F(ProgramClientTest, DestroyingTheRunnerLeavesNoProcess) {
  const ClientSpec client = Spec(Input::kStdin, absl::Seconds(1), 1);
  Recorder recorder;
  auto runner = MakeRunner(
      client, Options(client, MakeWorkload(20, 1), {"--linger", "--grandchild"}), &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  ASSERT_TRUE(WaitFor([&] { return Pids("grandchild").size() == 1; }, absl::Seconds(3)));
  const std::vector<int> pids = Pids("");
  ASSERT_EQ(pids.size(), 2u);
  runner.reset();
  for (int pid : pids) EXPECT_TRUE(Gone(pid)) << pid;
}

TEST_F(ProgramClientTest, ArgsProgramRunsOncePerValue) {
  const ClientSpec client = Spec(Input::kArgs, absl::Seconds(2), 2);
  Recorder recorder;
  auto runner = MakeRunner(client, Options(client, MakeWorkload(10, 1), {}), &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  absl::SleepFor(absl::Milliseconds(700));
  runner->Stop();

  ASSERT_GE(runner->submitted(), 4);
  EXPECT_LE(runner->submitted(), 9);
  EXPECT_EQ(runner->accepted(), runner->submitted());
  ExpectOneAckPerSubmit(recorder);
  EXPECT_EQ(static_cast<int64_t>(Pids("program").size()), runner->submitted());
  const std::string log = ReadAll(log_dir() + "/client-0.stdout");
  EXPECT_TRUE(absl::StrContains(log, absl::StrCat("[0] ack ", WorkloadValue(5, 0, 0, 24)))) << log;
  EXPECT_TRUE(absl::StrContains(log, absl::StrCat("[1] ack ", WorkloadValue(5, 0, 1, 24)))) << log;
}

TEST_F(ProgramClientTest, ArgsProgramOutcomes) {
  struct Case {
    std::vector<std::string> flags;
    bool accepted;
    std::string error;  // with {value} for the value
  };
  const std::vector<Case> cases = {
      {{"--exit-code=2", "--stderr=boom"}, true, ""},  // the ack line decides
      {{"--silent", "--exit-code=2", "--stderr=boom"},
       false,
       "client program exited with code 2 (stderr: boom)"},
      {{"--silent"},
       false,
       "client program exited with code 0 without acknowledging the value (no line matched the "
       "ack regex for it)"},
      {{"--ack-other"},
       false,
       "client program exited with code 0 without acknowledging the value (no line matched the "
       "ack regex for it); it acknowledged 'other-{value}' instead"},
      {{"--refuse-every=1", "--noise"}, false, "refused: fail {value}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrJoin(c.flags, " "));
    const ClientSpec client = Spec(Input::kArgs, absl::Seconds(2), 1);
    Recorder recorder;
    auto runner = MakeRunner(client, Options(client, MakeWorkload(20, 1), c.flags), &recorder);
    ASSERT_NE(runner, nullptr);
    runner->Start();
    ASSERT_TRUE(WaitFor([&] { return !recorder.acks().empty(); }, absl::Seconds(3)));
    runner->Stop();
    const Ack ack = recorder.acks()[0];
    EXPECT_EQ(ack.accepted, c.accepted);
    EXPECT_EQ(ack.error, absl::StrReplaceAll(c.error, {{"{value}", ack.value}}));
    ExpectOneAckPerSubmit(recorder);
  }
}

TEST_F(ProgramClientTest, ArgsProgramPastTheDeadlineIsKilledWithItsGroup) {
  // Long enough for Python to start and record its child first.
  const ClientSpec client = Spec(Input::kArgs, absl::Milliseconds(800), 1);
  Recorder recorder;
  auto runner = MakeRunner(
      client, Options(client, MakeWorkload(5, 1), {"--delay=5", "--grandchild"}), &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  ASSERT_TRUE(WaitFor([&] { return Pids("grandchild").size() == 1; }, absl::Seconds(3)));
  const std::vector<int> pids = Pids("");
  ASSERT_TRUE(WaitFor([&] { return !recorder.acks().empty(); }, absl::Seconds(3)));
  // The process group was killed before the value was settled.
  ASSERT_EQ(pids.size(), 2u);
  for (int pid : pids) EXPECT_TRUE(Gone(pid)) << pid;
  runner->Stop();

  const Ack ack = recorder.acks()[0];
  EXPECT_FALSE(ack.accepted);
  EXPECT_EQ(ack.error, "DEADLINE_EXCEEDED: no acknowledgement within 800ms");
  const absl::Duration waited = ack.t - recorder.submits()[0].t;
  EXPECT_GE(waited, absl::Milliseconds(795));
  EXPECT_LE(waited, absl::Milliseconds(1100));
}

TEST_F(ProgramClientTest, CreateRejectsWhatCannotWork) {
  const ClientSpec client = Spec(Input::kStdin, absl::Seconds(1), 1);
  const WorkloadOptions good = Options(client, MakeWorkload(10, 2), {});
  ASSERT_TRUE(CreateStatus(client, good).ok());

  WorkloadOptions bad = good;
  bad.programs.pop_back();
  EXPECT_EQ(CreateStatus(client, bad).message(),
            "workload has 2 clients but 1 client programs; it needs one per client");

  bad = good;
  bad.programs[1].process.argv[0] = "no-such-client-program";
  EXPECT_TRUE(absl::StartsWith(CreateStatus(client, bad).message(),
                               "client 1: client program 'no-such-client-program' is not on PATH"))
      << CreateStatus(client, bad);

  bad = good;
  bad.programs[0].process.argv[0] = "./missing/client";
  EXPECT_EQ(CreateStatus(client, bad).message(), absl::StrCat("client 0: client program ", dir_,
                                                              "/./missing/client is not an "
                                                              "executable file"));

  bad = good;
  bad.programs[0].request = [](absl::string_view value, int64_t seq) {
    return std::vector<std::string>{"submit", std::string(value)};
  };
  EXPECT_EQ(CreateStatus(client, bad).message(),
            "client 0: stdin input takes one request line per value, but the request renders to 2");

  bad = good;
  bad.programs[0].request = [](absl::string_view,
                               int64_t) -> absl::StatusOr<std::vector<std::string>> {
    return absl::InvalidArgumentError("unknown variable {{vlaue}}");
  };
  EXPECT_EQ(CreateStatus(client, bad).message(),
            "client 0: cannot render a request: unknown variable {{vlaue}}");

  ClientSpec no_group = client;
  no_group.command.ack_regex = "^ack (\\S+)$";
  EXPECT_EQ(CreateStatus(no_group, good).message(),
            "client ack regex '^ack (\\S+)$' has no named group (?P<value>...)");

  bad = good;
  bad.max_restarts = -1;
  EXPECT_TRUE(absl::StrContains(CreateStatus(client, bad).message(), "must not be negative"));
  // Nothing was started by any of these.
  EXPECT_TRUE(Pids("").empty());
}

}  // namespace
}  // namespace turncoat
