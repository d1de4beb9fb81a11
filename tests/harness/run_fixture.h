// Test support for end-to-end tests of the turncoat binary: a fixture that
// runs `turncoat run` in a temporary directory (the run directory given
// relative to it, as a user typing the README's command would), reads the
// reports, and fails the test if any process of the run outlives it.
#ifndef TURNCOAT_TESTS_HARNESS_RUN_FIXTURE_H_
#define TURNCOAT_TESTS_HARNESS_RUN_FIXTURE_H_

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/process_table.h"
#include "common/read_file.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace turncoat {

// The largest value of a link counter in `run_dir`'s history.jsonl
// (counters are cumulative; 0 if never recorded).
inline int64_t LinkCounter(const std::string& run_dir, int from, int to,
                           const std::string& counter) {
  int64_t best = 0;
  std::ifstream in(run_dir + "/history.jsonl");
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json e = nlohmann::json::parse(line);
    if (e["type"] != "link_stats" || e["from"] != from || e["to"] != to) continue;
    if (e["counters"].contains(counter)) {
      best = std::max(best, e["counters"][counter].get<int64_t>());
    }
  }
  return best;
}

class TurncoatRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/turncoat_run_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    run_dir_ = dir_ + "/run";
  }

  void TearDown() override {
    // Nothing the run started may outlive it: agents, replicas and twins all
    // name the run directory on their command lines (a zombie awaiting its
    // reaper would still show; the run reaps everything).
    EXPECT_EQ(ProcessesMentioning(run_dir_), std::vector<int>{}) << "processes left behind";
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  // `turncoat ARGS`, started in dir_, its output in dir_/<log>stdout and
  // dir_/<log>stderr.
  Subprocess StartTurncoat(const std::vector<std::string>& args, const std::string& log = "") {
    std::vector<std::string> argv = {TURNCOAT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    SpawnOptions options;
    options.workdir = dir_;
    options.stdout_path = dir_ + "/" + log + "stdout";
    options.stderr_path = dir_ + "/" + log + "stderr";
    auto process = Subprocess::Spawn(argv, options);
    EXPECT_TRUE(process.ok()) << process.status();
    return *std::move(process);
  }

  // `turncoat run ARGS --out=run`, started in dir_.
  Subprocess Start(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"run"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--out=run");
    return StartTurncoat(argv);
  }

  // Waits for `process` to end; the exit code, or -1.
  static int Finish(Subprocess& process) {
    auto exit = process.Wait(absl::Seconds(150));
    EXPECT_TRUE(exit.ok()) << exit.status();
    return exit.ok() ? exit->code : -1;
  }

  // Runs to the end; the exit code, or -1.
  int RunToEnd(const std::vector<std::string>& args) {
    Subprocess process = Start(args);
    return Finish(process);
  }

  nlohmann::json Report() { return nlohmann::json::parse(Slurp(run_dir_ + "/report.json")); }

  static const nlohmann::json* Invariant(const nlohmann::json& report, const std::string& name) {
    for (const auto& inv : report["invariants"]) {
      if (inv["name"] == name) return &inv;
    }
    return nullptr;
  }

  // A plan shipped in plans/.
  static std::string Plan(const std::string& name) {
    return absl::StrCat(TURNCOAT_SOURCE_DIR, "/plans/", name);
  }

  // Writes plan `name` against the shipped refbft target, with the plan's
  // other keys in `body`, into the test's directory; returns its path.
  std::string WritePlan(const std::string& name, const std::string& body) {
    const std::string path = absl::StrCat(dir_, "/", name, ".yaml");
    std::ofstream(path) << "name: " << name << "\ntarget: " << TURNCOAT_SOURCE_DIR
                        << "/targets/refbft.yaml\n"
                        << body;
    return path;
  }

  std::string Output() { return Slurp(dir_ + "/stdout") + Slurp(dir_ + "/stderr"); }

  // The invariants a report.json found violated, in report order.
  static std::vector<std::string> Violated(const nlohmann::json& report) {
    std::vector<std::string> names;
    for (const nlohmann::json& inv : report["invariants"]) {
      if (!inv["holds"].get<bool>()) names.push_back(inv["name"]);
    }
    return names;
  }

  std::string dir_;
  std::string run_dir_;
};

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_HARNESS_RUN_FIXTURE_H_
