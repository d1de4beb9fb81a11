// report.html as a person first sees it: rendered by headless Chromium at
// 1280x800, the episode summary and the reproduce command must be within
// the first screen, for the run the issue describes (the leader crashes at
// 5 s and commits never resume: hundreds of liveness findings); and markup
// a hostile replica committed shows as text and runs nothing.
//
// The report is built from a synthetic history through the real checkers,
// so no cluster runs; Chromium is the only process, started with its own
// profile directory and killed with its process group if it overruns.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "reports/html_report.h"
#include "reports/report.h"
#include "tests/reports/sample_report.h"

namespace turncoat {
namespace {

constexpr int kScreenHeight = 800;
const absl::Duration kChromiumTimeout = absl::Seconds(120);

// Chromium from PATH, as Debian's package installs it.
std::string FindChromium() {
  const char* path = getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path == nullptr ? "" : path, ':')) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      const std::string candidate = absl::StrCat(dir, "/", name);
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Appended to a copy of the page (the page itself has no script): writes
// where the elements under test were laid out into the DOM that
// --dump-dom prints.
constexpr char kProbe[] = R"(<script>
(function () {
  function box(selector) {
    var e = document.querySelector(selector);
    if (!e) return null;
    var r = e.getBoundingClientRect();
    return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY,
             text: e.textContent };
  }
  var out = { viewport: window.innerHeight,
              summary: box('#episode-summary'),
              command: box('#replay pre.command') };
  var pre = document.createElement('pre');
  pre.id = 'layout';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>)";

// Lays `html` out in headless Chromium at 1280x800 and returns the DOM it
// ends with (--dump-dom), in `dir`; fails the test if Chromium does.
std::string DumpDom(const std::string& dir, const std::string& html) {
  const std::string chromium = FindChromium();
  EXPECT_FALSE(chromium.empty())
      << "chromium is not installed (not found in PATH); run scripts/install-deps.sh, which "
         "installs Debian's chromium package";
  if (chromium.empty()) return "";
  const std::string page = dir + "/report.html";
  std::ofstream(page) << html;
  // Its own profile: other Chromiums on the machine keep theirs.
  SpawnOptions options;
  options.stdout_path = dir + "/dom.html";
  options.stderr_path = dir + "/chromium.log";
  absl::StatusOr<Subprocess> browser = Subprocess::Spawn(
      {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
       "--disable-dev-shm-usage", absl::StrCat("--user-data-dir=", dir, "/profile"),
       "--window-size=1280,800", "--dump-dom", absl::StrCat("file://", page)},
      options);
  EXPECT_TRUE(browser.ok()) << browser.status();
  if (!browser.ok()) return "";
  absl::StatusOr<ExitStatus> status = browser->Wait(kChromiumTimeout);
  if (!status.ok()) {
    (void)browser->Kill();
    ADD_FAILURE() << "chromium did not finish within " << kChromiumTimeout << ": "
                  << status.status() << "\n" << ReadFile(dir + "/chromium.log");
    return "";
  }
  EXPECT_TRUE(status->success()) << status->ToString() << "\n" << ReadFile(dir + "/chromium.log");
  return ReadFile(dir + "/dom.html");
}

std::string TempDir() {
  std::string dir = ::testing::TempDir() + "/turncoat_report_browser_XXXXXX";
  EXPECT_NE(mkdtemp(dir.data()), nullptr);
  return dir;
}

TEST(ReportInBrowserTest, EpisodeSummaryAndReproduceCommandAreOnTheFirstScreen) {
  const Report report = CrashedLeaderSampleReport();
  ASSERT_EQ(report.verdict(), Verdict::kViolation);
  ASSERT_EQ(report.episodes.size(), 1u);
  ASSERT_GT(report.episodes[0].findings, 300);

  const std::string dir = TempDir();
  std::string html = RenderHtmlReport(report);
  const size_t body_end = html.rfind("</body>");
  ASSERT_NE(body_end, std::string::npos);
  html.insert(body_end, kProbe);
  const std::string dom = DumpDom(dir, html);
  ASSERT_FALSE(dom.empty());

  const size_t open = dom.find("<pre id=\"layout\">");
  ASSERT_NE(open, std::string::npos) << "the probe did not run:\n" << dom.substr(0, 2000);
  const size_t start = open + std::string("<pre id=\"layout\">").size();
  std::string text = dom.substr(start, dom.find("</pre>", start) - start);
  // --dump-dom escapes text as HTML does.
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"&quot;", "\""},
                                 {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) {
      text.replace(at, from.size(), to);
    }
  }
  const nlohmann::json layout = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(layout.is_discarded()) << text;
  // The page's height in a 1280x800 window: what the window leaves after
  // its own bars (Chromium's headless window keeps some), at most 800.
  const double screen = std::min<double>(layout["viewport"].get<double>(), kScreenHeight);
  ASSERT_GT(screen, kScreenHeight / 2) << text;

  ASSERT_TRUE(layout["summary"].is_object()) << text;
  EXPECT_NE(layout["summary"]["text"].get<std::string>().find(
                "Commits stopped at 5.015s at replicas 0, 1, 2, 3 and never resumed"),
            std::string::npos)
      << text;
  EXPECT_LE(layout["summary"]["bottom"].get<double>(), screen) << text;

  ASSERT_TRUE(layout["command"].is_object()) << text;
  EXPECT_EQ(layout["command"]["text"],
            "/home/user/src/turncoat/build/harness/turncoat run "
            "/home/user/src/turncoat/plans/crash-leader.yaml --seed=11 "
            "--replica-arg=--bug=no-view-change");
  EXPECT_LE(layout["command"]["bottom"].get<double>(), screen) << text;
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

// What a replica commits is the system under test's, and a Byzantine one
// commits what it likes: markup in a committed value must show as text and
// run nothing. Each payload would, if it ran, set a marker spelled in
// pieces, so the marker's name appears in the DOM only if it executed.
TEST(ReportInBrowserTest, MarkupInACommittedValueRunsNothing) {
  const std::string hostile =
      "<script>document.body.setAttribute('data-'+'owned','s')</script>"
      "<img src=x onerror=\"document.body.setAttribute('data-'+'owned','i')\">"
      "<svg onload=\"document.body.setAttribute('data-'+'owned','v')\"></svg>"
      "\"><iframe srcdoc=\"<script>parent.document.body.setAttribute('data-'+'owned','f')"
      "</script>\"></iframe></textarea></pre></table>";
  const Report report = SampleReport(/*diverge=*/true, hostile);
  ASSERT_EQ(report.verdict(), Verdict::kViolation);
  const std::string html = RenderHtmlReport(report);
  ASSERT_EQ(html.find("<script"), std::string::npos) << "the page itself has no script";

  const std::string dir = TempDir();
  const std::string dom = DumpDom(dir, html);
  ASSERT_FALSE(dom.empty());
  EXPECT_EQ(dom.find("data-owned"), std::string::npos) << "a payload ran";
  EXPECT_EQ(dom.find("<iframe"), std::string::npos);
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  // Shown as text (the DOM's serialisation escapes it again).
  EXPECT_NE(dom.find("&lt;script&gt;document.body.setAttribute"), std::string::npos)
      << dom.substr(0, 3000);
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace turncoat
