// soak_bench: one long `turncoat run` with faults cycling for its whole
// duration, and whether turncoat itself stays flat while it lasts.
//
// It writes a refbft plan (n = 4, Byzantine replica 2, a modest workload)
// whose timeline repeats one cycle of faults until the end: delay,
// equivocation, omission, partition, pause and, every fourth cycle, a crash
// (restart with no state), each on replica 2 and each healed before the
// next, so the cluster stays within f = 1 throughout and the correct refbft
// must pass. `turncoat validate`
// must accept the plan first. While the run lasts it samples every
// --sample_every seconds the resident memory (VmRSS) and open descriptors
// of the controller, of each agent (its children named turncoat-agent) and
// of each replica, and the size of history.jsonl; once the agents are gone
// (teardown done, the checkers and reports running) it samples the
// controller every 100 ms. At the end it prints:
//
//   - VmRSS and RssAnon at start (the first sample after --warmup), at
//     25/50/75/100 % of the run and their maximum, for the controller, each
//     agent (the largest marked) and each replica, and the growth per hour
//     (least squares over the samples after warm-up); descriptors at start
//     and end;
//   - the history's size, growth and events per second, and that every
//     line of it parses as JSON;
//   - the tail: seconds from the agents' end to the controller's exit
//     (checkers and reports) and the controller's peak RSS meanwhile;
//   - the exit status, the verdict and which report files were written.
//
//   soak_bench [--duration=3600] [--sample_every=10] [--warmup=60]
//              [--rate=10] [--clients=2] [--csv=PATH] [--keep]
//              [--turncoat=PATH] [--run_timeout=SECONDS]
//
// Exits 0 when the run passed with every report written and the history
// readable, 1 otherwise, 2 on bad flags, 130 when interrupted.

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/turncoat_runner.h"
#include "common/read_file.h"
#include "common/subprocess.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(int, duration, 3600, "seconds the run lasts");
ABSL_FLAG(int, sample_every, 10, "seconds between samples of memory, descriptors and history");
ABSL_FLAG(int, warmup, 60, "seconds after which the first sample counts as the start");
ABSL_FLAG(int, rate, 10, "values submitted per second");
ABSL_FLAG(int, clients, 2, "client threads submitting them");
ABSL_FLAG(std::string, csv, "", "also write every sample to this CSV file");
ABSL_FLAG(bool, keep, false, "keep the temporary directory with the run's reports");
ABSL_FLAG(std::string, turncoat, TURNCOAT_BINARY, "the turncoat binary to run");
ABSL_FLAG(int, run_timeout, 0,
          "seconds the run may take before it is stopped (0: --duration plus 15 minutes)");

namespace turncoat {
namespace bench {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_interrupted{false};

// The cycle of faults, each a timeline entry without `at` and `for`. Every
// fault acts on replica 2, the Byzantine one, so at most one replica is
// ever faulty (f = 1) and liveness is judged throughout.
//
// Equivocation acts only while replica 2 leads, which it does not while it
// catches up, and a phase that never acts makes the run inconclusive. After
// a crash refbft catches up on the whole log (no snapshots: about 350
// values/s here, so some 100 s after an hour at 10 values/s), so the crash
// comes only every kCrashEvery-th cycle, last in it, and equivocation
// early in each cycle, after the mildest fault, a delay.
constexpr const char* kCycle[] = {
    "adversary: delay, nodes: [2], params: { by: 200ms, jitter: 50ms }",
    "adversary: equivocation, nodes: [2], params: { split: [[0], [1, 3]] }",
    "adversary: omission, nodes: [2], params: { drop: 1.0 }",
    "adversary: partition, params: { groups: [[0, 1, 3], [2]] }",
    "adversary: pause, nodes: [2]",
    "adversary: crash, nodes: [2]",
};
constexpr int kCrashEvery = 4;
// Each fault lasts kActive seconds and is followed by kHealed without one
// (a slot: a cycle is 60 s, or 50 s of faults when it has no crash).
constexpr int kActive = 6;
constexpr int kHealed = 4;
// The liveness bound: a fault plus a healed gap, with room to recover.
constexpr int kCommitWithin = 12;

std::string PlanText(int duration, int rate, int clients, int* phases) {
  std::string text = absl::StrCat(
      "# Written by soak_bench: faults on Byzantine replica 2 cycling for ", duration, " s.\n",
      "name: soak\n", "target: ", TURNCOAT_SOURCE_DIR, "/targets/refbft.yaml\n", "replicas: 4\n",
      "byzantine: [2]\n", "seed: 1\n", "duration: ", duration, "s\n", "workload: { rate: ", rate,
      "/s, clients: ", clients, ", value_bytes: 32 }\n", "timeline:\n");
  *phases = 0;
  // The first fault starts after a short fault-free stretch; the last ends
  // at least one bound before the run does, so the recovery rule is judged.
  const int cycle = static_cast<int>(std::size(kCycle));
  for (int at = 5, slot = 0; at + kActive + kCommitWithin <= duration;
       at += kActive + kHealed, ++slot) {
    const bool crash = slot % cycle == cycle - 1;
    if (crash && (slot / cycle) % kCrashEvery != kCrashEvery - 1) continue;
    absl::StrAppend(&text, "  - { at: ", at, "s, for: ", kActive, "s, ", kCycle[slot % cycle],
                    " }\n");
    ++*phases;
  }
  absl::StrAppend(&text, "expect:\n",
                  "  safety: [agreement, prefix, validity, integrity, no-honest-crash]\n",
                  "  liveness: { commit_within: ", kCommitWithin, "s }\n");
  return text;
}

// What /proc says of one process; rss_kb < 0 when it is gone.
struct ProcessSample {
  long rss_kb = -1;
  // Anonymous memory (heap, stacks): what a leak grows. VmRSS also counts
  // the pages of the binary, which fault in as code paths first run.
  long anon_kb = -1;
  long hwm_kb = -1;
  int fds = -1;
};

long StatusField(const std::string& status, absl::string_view field) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, field)) continue;
    line = absl::StripAsciiWhitespace(absl::StripPrefix(line, ":"));
    long kb = -1;
    if (absl::SimpleAtoi(absl::StripSuffix(line, " kB"), &kb)) return kb;
  }
  return -1;
}

ProcessSample SampleProcess(int pid, bool count_fds) {
  ProcessSample s;
  const std::string status = Slurp(absl::StrCat("/proc/", pid, "/status"));
  if (status.empty()) return s;
  s.rss_kb = StatusField(status, "VmRSS");
  s.anon_kb = StatusField(status, "RssAnon");
  s.hwm_kb = StatusField(status, "VmHWM");
  if (count_fds) {
    std::error_code ec;
    int n = 0;
    for (fs::directory_iterator it(absl::StrCat("/proc/", pid, "/fd"), ec), end; !ec && it != end;
         it.increment(ec)) {
      ++n;
    }
    s.fds = ec ? -1 : n;
  }
  return s;
}

std::string Comm(int pid) {
  return std::string(
      absl::StripTrailingAsciiWhitespace(Slurp(absl::StrCat("/proc/", pid, "/comm"))));
}

// Children of `parent`, by their comm (the kernel's 15-character name).
std::vector<int> ChildrenNamed(int parent, const std::string& comm) {
  std::vector<int> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    int pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
    const std::string status = Slurp(absl::StrCat("/proc/", pid, "/status"));
    if (StatusField(status, "PPid") == parent && Comm(pid) == comm) out.push_back(pid);
  }
  closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

// An agent's or replica's index, from the run directory's agent-N or
// replica-N that its command line names; -1 if none.
int IndexOf(int pid, absl::string_view prefix) {
  std::string cmdline = Slurp(absl::StrCat("/proc/", pid, "/cmdline"));
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  const size_t at = cmdline.find(absl::StrCat("/", prefix));
  if (at == std::string::npos) return -1;
  int index = -1;
  const std::string rest = cmdline.substr(at + prefix.size() + 1);
  absl::SimpleAtoi(rest.substr(0, rest.find_first_not_of("0123456789")), &index);
  return index;
}

struct Sample {
  double t = 0;  // seconds since the run started
  ProcessSample controller;
  std::map<int, ProcessSample> agents;    // by replica index
  std::map<int, ProcessSample> replicas;  // by replica index
  int64_t history_bytes = 0;
};

// The sampler's findings, filled by its thread while the run lasts.
struct Observations {
  std::vector<Sample> samples;
  int controller_pid = -1;
  // The tail: from the first moment the agents were seen gone to the
  // controller's exit, and the controller's peak RSS meanwhile.
  double agents_gone_at = -1;
  double controller_gone_at = -1;
  long tail_peak_rss_kb = -1;
  long controller_hwm_kb = -1;  // VmHWM at its last reading: its peak over the run
};

int64_t FileSize(const std::string& path) {
  struct stat st = {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

void Sampler(const std::string& run_dir, absl::Time started, const std::atomic<bool>& done,
             Observations* obs) {
  const absl::Duration every = absl::Seconds(absl::GetFlag(FLAGS_sample_every));
  absl::Time next = started;
  bool saw_agents = false;
  // The agents of the last sample: a zombie or a vanished one has no RSS.
  std::vector<int> agent_pids;
  const auto since = [&] { return absl::ToDoubleSeconds(absl::Now() - started); };
  while (!done.load()) {
    if (obs->controller_pid < 0) {
      const std::vector<int> c = ChildrenNamed(getpid(), "turncoat");
      if (!c.empty()) obs->controller_pid = c.front();
    }
    const int controller = obs->controller_pid;
    if (controller > 0 && obs->controller_gone_at < 0) {
      const ProcessSample now = SampleProcess(controller, false);
      if (now.rss_kb < 0) {
        obs->controller_gone_at = since();
      } else {
        obs->controller_hwm_kb = now.hwm_kb;
        if (obs->agents_gone_at >= 0) {
          obs->tail_peak_rss_kb = std::max(obs->tail_peak_rss_kb, now.rss_kb);
        }
      }
    }
    if (saw_agents && obs->agents_gone_at < 0 &&
        std::none_of(agent_pids.begin(), agent_pids.end(),
                     [](int pid) { return SampleProcess(pid, false).rss_kb >= 0; })) {
      obs->agents_gone_at = since();
    }
    if (controller > 0 && absl::Now() >= next) {
      next += every;
      Sample s;
      s.t = since();
      s.controller = SampleProcess(controller, true);
      const std::vector<int> agents = ChildrenNamed(controller, "turncoat-agent");
      if (!agents.empty()) agent_pids = agents;
      for (int agent : agents) {
        saw_agents = true;
        s.agents[IndexOf(agent, "agent-")] = SampleProcess(agent, true);
        for (int replica : ChildrenNamed(agent, "refbft")) {
          s.replicas[IndexOf(agent, "agent-")] = SampleProcess(replica, true);
        }
      }
      s.history_bytes = FileSize(run_dir + "/history.jsonl");
      if (s.controller.rss_kb >= 0) obs->samples.push_back(std::move(s));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

// What the run's history.jsonl holds.
struct HistoryCheck {
  int64_t lines = 0;
  int64_t unparsable = 0;
  int64_t first_bad_line = 0;
  std::map<std::string, int64_t> by_type;
  double last_t = 0;
  double run_end_t = -1;  // the run_end event: teardown begins
};

HistoryCheck CheckHistory(const std::string& path) {
  HistoryCheck h;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    ++h.lines;
    const nlohmann::json e = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!e.is_object() || !e.contains("type") || !e["type"].is_string()) {
      if (h.unparsable++ == 0) h.first_bad_line = h.lines;
      continue;
    }
    const std::string type = e["type"].get<std::string>();
    ++h.by_type[type];
    if (e.contains("t_us") && e["t_us"].is_number()) {
      const double t = e["t_us"].get<double>() / 1e6;
      h.last_t = std::max(h.last_t, t);
      if (type == "run_end") h.run_end_t = t;
    }
  }
  return h;
}

double Mb(long kb) { return kb / 1024.0; }

// Least-squares slope of y over t, per hour; 0 with fewer than two points.
double PerHour(const std::vector<std::pair<double, double>>& points) {
  if (points.size() < 2) return 0;
  double st = 0, sy = 0, stt = 0, sty = 0;
  for (const auto& [t, y] : points) {
    st += t;
    sy += y;
    stt += t * t;
    sty += t * y;
  }
  const double n = static_cast<double>(points.size());
  const double denom = n * stt - st * st;
  return denom == 0 ? 0 : (n * sty - st * sy) / denom * 3600;
}

// The samples of the run proper: after the warm-up, while the agents lived.
std::vector<const Sample*> RunSamples(const Observations& obs) {
  std::vector<const Sample*> out;
  for (const Sample& s : obs.samples) {
    if (s.t >= absl::GetFlag(FLAGS_warmup) && !s.agents.empty()) out.push_back(&s);
  }
  return out;
}

// Prints one process's line: VmRSS (or RssAnon) at start, 25/50/75/100 %,
// max, growth.
void PrintSeries(const std::string& name, const std::vector<const Sample*>& run, bool anon,
                 const std::function<ProcessSample(const Sample&)>& of) {
  std::vector<std::pair<double, double>> rss;
  long max_kb = 0;
  for (const Sample* s : run) {
    const ProcessSample p = of(*s);
    const long kb = anon ? p.anon_kb : p.rss_kb;
    if (kb < 0) continue;
    rss.emplace_back(s->t, Mb(kb));
    max_kb = std::max(max_kb, kb);
  }
  if (rss.empty()) {
    std::printf("  %-18s no samples\n", name.c_str());
    return;
  }
  const auto at = [&](double fraction) {
    const size_t i =
        std::min(rss.size() - 1, static_cast<size_t>(fraction * (rss.size() - 1) + 0.5));
    return rss[i].second;
  };
  const ProcessSample first = of(*run.front());
  const ProcessSample last = of(*run.back());
  std::printf("  %-18s %7.1f %7.1f %7.1f %7.1f %7.1f %7.1f %+9.2f   %4d -> %d\n", name.c_str(),
              at(0), at(0.25), at(0.5), at(0.75), at(1), Mb(max_kb), PerHour(rss), first.fds,
              last.fds);
}

int Run() {
  const int duration = absl::GetFlag(FLAGS_duration);
  if (duration < 60 || absl::GetFlag(FLAGS_sample_every) < 1 || absl::GetFlag(FLAGS_rate) < 1 ||
      absl::GetFlag(FLAGS_clients) < 1 || absl::GetFlag(FLAGS_warmup) < 0 ||
      absl::GetFlag(FLAGS_warmup) >= duration) {
    std::fprintf(stderr,
                 "soak_bench: --duration must be at least 60, --warmup shorter than it, and "
                 "--sample_every, --rate and --clients at least 1\n");
    return 2;
  }
  absl::StatusOr<std::string> started = StartBenchmark("soak_bench", &g_interrupted);
  if (!started.ok()) {
    std::fprintf(stderr, "soak_bench: %s\n", std::string(started.status().message()).c_str());
    return 1;
  }
  const std::string temp_dir = *started;
  const std::string plan = temp_dir + "/soak.yaml";
  int phases = 0;
  std::ofstream(plan) << PlanText(duration, absl::GetFlag(FLAGS_rate), absl::GetFlag(FLAGS_clients),
                                  &phases);

  SpawnOptions quiet;
  quiet.stdout_path = temp_dir + "/validate.out";
  quiet.stderr_path = temp_dir + "/validate.err";
  absl::StatusOr<Subprocess> validate =
      Subprocess::Spawn({absl::GetFlag(FLAGS_turncoat), "validate", plan}, quiet);
  absl::StatusOr<ExitStatus> validated =
      validate.ok() ? validate->Wait(absl::Minutes(1)) : validate.status();
  if (!validated.ok() || !validated->success()) {
    std::printf("soak_bench: turncoat validate refused the plan %s:\n    %s\n", plan.c_str(),
                Tail(temp_dir + "/validate.err", 8).c_str());
    return FinishBenchmark(temp_dir, false, true, false);
  }

  std::printf(
      "soak_bench: refbft n = 4, Byzantine [2], %d s, %d values/s from %d clients, "
      "%d phases (%zu faults cycling, %d s each, %d s healed between, the crash every %d "
      "cycles)\n"
      "runs in %s; load average %.2f; sampling every %d s\n",
      duration, absl::GetFlag(FLAGS_rate), absl::GetFlag(FLAGS_clients), phases, std::size(kCycle),
      kActive, kHealed, kCrashEvery, temp_dir.c_str(), LoadAverage(),
      absl::GetFlag(FLAGS_sample_every));
  std::fflush(stdout);

  const std::string run_dir = temp_dir + "/run";
  const int timeout =
      absl::GetFlag(FLAGS_run_timeout) > 0 ? absl::GetFlag(FLAGS_run_timeout) : duration + 900;
  Observations obs;
  std::atomic<bool> done{false};
  const absl::Time start = absl::Now();
  std::thread sampler(Sampler, run_dir, start, std::cref(done), &obs);
  absl::StatusOr<TurncoatRun> run =
      RunTurncoat({absl::GetFlag(FLAGS_turncoat), "run", plan, absl::StrCat("--out=", run_dir)},
                  run_dir, absl::Seconds(timeout), g_interrupted);
  done.store(true);
  sampler.join();
  // The sampler may miss the moment: the run is reaped within 100 ms of it.
  if (run.ok() && obs.controller_gone_at < 0) obs.controller_gone_at = run->wall_seconds;
  if (!run.ok()) {
    std::printf("soak_bench: %s\n", std::string(run.status().message()).c_str());
    return FinishBenchmark(temp_dir, false, absl::GetFlag(FLAGS_keep), g_interrupted.load());
  }

  if (!absl::GetFlag(FLAGS_csv).empty()) {
    std::ofstream csv(absl::GetFlag(FLAGS_csv));
    csv << "t_s,process,index,rss_kb,anon_kb,fds,history_bytes\n";
    const auto row = [&](const Sample& s, const char* process, int index, const ProcessSample& p) {
      csv << s.t << "," << process << "," << index << "," << p.rss_kb << "," << p.anon_kb << ","
          << p.fds << "," << s.history_bytes << "\n";
    };
    for (const Sample& s : obs.samples) {
      row(s, "controller", -1, s.controller);
      for (const auto& [i, p] : s.agents) row(s, "agent", i, p);
      for (const auto& [i, p] : s.replicas) row(s, "replica", i, p);
    }
  }

  const std::vector<const Sample*> samples = RunSamples(obs);
  // The largest agent: the one with the highest RSS in any sample.
  int largest = -1;
  long largest_kb = -1;
  for (const Sample* s : samples) {
    for (const auto& [i, p] : s->agents) {
      if (p.rss_kb > largest_kb) largest_kb = p.rss_kb, largest = i;
    }
  }
  for (bool anon : {false, true}) {
    std::printf("\n%s, %zu samples from %d s to the agents' end; fds start -> end\n",
                anon ? "anonymous memory (MB RssAnon: heap and stacks)" : "memory (MB VmRSS)",
                samples.size(), absl::GetFlag(FLAGS_warmup));
    std::printf("  %-18s %7s %7s %7s %7s %7s %7s %9s   %s\n", "process", "start", "25%", "50%",
                "75%", "100%", "max", "MB/hour", "fds");
    PrintSeries("controller", samples, anon, [](const Sample& s) { return s.controller; });
    for (int i = 0; i < 4; ++i) {
      PrintSeries(absl::StrCat("agent ", i, i == largest ? " (largest)" : ""), samples, anon,
                  [i](const Sample& s) {
                    auto it = s.agents.find(i);
                    return it == s.agents.end() ? ProcessSample{} : it->second;
                  });
    }
    for (int i = 0; i < 4; ++i) {
      PrintSeries(absl::StrCat("replica ", i), samples, anon, [i](const Sample& s) {
        auto it = s.replicas.find(i);
        return it == s.replicas.end() ? ProcessSample{} : it->second;
      });
    }
  }

  const HistoryCheck history = CheckHistory(run_dir + "/history.jsonl");
  std::vector<std::pair<double, double>> history_mb;
  for (const Sample* s : samples) history_mb.emplace_back(s->t, s->history_bytes / 1048576.0);
  const int64_t history_bytes = FileSize(run_dir + "/history.jsonl");
  std::printf(
      "\nhistory.jsonl: %.1f MB, %lld lines, %lld unparsable%s; %.1f MB/hour; "
      "%.0f events/s over %.0f s\n",
      history_bytes / 1048576.0, static_cast<long long>(history.lines),
      static_cast<long long>(history.unparsable),
      history.unparsable > 0 ? absl::StrCat(" (first: line ", history.first_bad_line, ")").c_str()
                             : "",
      PerHour(history_mb), history.last_t > 0 ? history.lines / history.last_t : 0, history.last_t);
  std::printf("  by type:");
  for (const auto& [type, count] : history.by_type) {
    std::printf(" %s %lld", type.c_str(), static_cast<long long>(count));
  }
  std::printf("\n");

  // Times from the history (the controller's clock) and the sampler (this
  // process's) differ by the controller's start, well under 100 ms.
  const double tail = obs.agents_gone_at >= 0 ? obs.controller_gone_at - obs.agents_gone_at : -1;
  const double from_run_end = history.run_end_t >= 0 ? run->wall_seconds - history.run_end_t : -1;
  std::printf(
      "\ntail: %.1f s from run_end to the controller's exit (teardown, checkers, "
      "reports), %.1f s of it after the agents were gone (checkers, reports); "
      "controller peak RSS meanwhile %.1f MB; its peak over the run (VmHWM) %.1f MB\n",
      from_run_end, tail, Mb(obs.tail_peak_rss_kb), Mb(obs.controller_hwm_kb));

  const nlohmann::json report =
      nlohmann::json::parse(Slurp(run_dir + "/report.json"), nullptr, false);
  const std::string verdict =
      report.is_object() && report.contains("verdict") && report["verdict"].is_string()
          ? report["verdict"].get<std::string>()
          : "no report";
  std::vector<std::string> missing;
  std::printf("reports:");
  for (const char* file : {"report.json", "report.html", "junit.xml"}) {
    const int64_t size = FileSize(absl::StrCat(run_dir, "/", file));
    if (size == 0) missing.push_back(file);
    std::printf(" %s %s", file, size > 0 ? absl::StrCat(size / 1024, " KiB").c_str() : "MISSING");
  }
  std::printf("\nturncoat run %s in %.0f s, verdict %s; run %.2f cores, other %.2f cores\n",
              run->exit.ToString().c_str(), run->wall_seconds, verdict.c_str(), run->run_cores,
              run->other_cores);
  const bool ok = run->exit.success() && verdict == "pass" && missing.empty() &&
                  history.unparsable == 0 && history.lines > 0;
  if (!ok) std::printf("stderr of the run:\n    %s\n", Tail(run->stderr_path, 12).c_str());
  return FinishBenchmark(temp_dir, ok, absl::GetFlag(FLAGS_keep), g_interrupted.load());
}

}  // namespace
}  // namespace bench
}  // namespace turncoat

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "one long turncoat run of refbft with faults cycling: memory and descriptors of the "
      "controller and agents, history growth and readability, the report phase");
  absl::ParseCommandLine(argc, argv);
  return turncoat::bench::Run();
}
