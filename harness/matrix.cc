#include "harness/matrix.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace turncoat {
namespace {

const MatrixCell* Find(const std::vector<MatrixCell>& cells, const std::string& variant,
                       const std::string& plan) {
  for (const MatrixCell& c : cells) {
    if (c.variant == variant && c.plan == plan) return &c;
  }
  return nullptr;
}

}  // namespace

std::optional<absl::Duration> DetectionTime(const std::vector<CheckResult>& results) {
  std::optional<absl::Duration> earliest;
  for (const CheckResult& result : results) {
    for (const Finding& finding : result.findings) {
      if (finding.evidence.empty()) continue;
      absl::Duration established = absl::ZeroDuration();
      for (const Observation& o : finding.evidence) established = std::max(established, o.t);
      if (!earliest || established < *earliest) earliest = established;
    }
  }
  return earliest;
}

bool MatrixHolds(const std::vector<MatrixVariant>& variants, const std::vector<std::string>& plans,
                 const std::vector<MatrixCell>& cells, std::vector<std::string>* problems) {
  const size_t before = problems->size();
  for (const MatrixVariant& v : variants) {
    bool found = false;
    for (const std::string& plan : plans) {
      const MatrixCell* cell = Find(cells, v.name, plan);
      if (cell == nullptr || cell->outcome == "skipped") continue;
      if (cell->outcome == "bad-input" || cell->outcome == "harness-error") {
        problems->push_back(absl::StrCat(v.name, " x ", plan, ": the run did not complete (",
                                         cell->outcome, "), see ", cell->run_dir));
      } else if (v.correct() && cell->outcome == "inconclusive") {
        problems->push_back(absl::StrCat(v.name, " x ", plan,
                                         ": inconclusive, the run tested too little to clear the "
                                         "correct system; its reports say why, see ",
                                         cell->run_dir));
      } else if (v.correct() && cell->outcome != "pass") {
        problems->push_back(absl::StrCat(v.name, " x ", plan, ": the correct system was accused of ",
                                         absl::StrJoin(cell->violated, ", "), ", see ",
                                         cell->run_dir));
      }
      found |= cell->outcome == "violation";
    }
    if (!v.correct() && !found) {
      problems->push_back(absl::StrCat(v.name, ": no plan found it"));
    }
  }
  return problems->size() == before;
}

std::string MatrixJson(const std::vector<std::string>& plans, const std::vector<MatrixCell>& cells) {
  nlohmann::json j;
  j["plans"] = plans;
  j["cells"] = nlohmann::json::array();
  for (const MatrixCell& c : cells) {
    nlohmann::json cell = {{"variant", c.variant}, {"plan", c.plan},       {"outcome", c.outcome},
                           {"violated", c.violated}, {"run_dir", c.run_dir}};
    if (c.detected_at) cell["detected_after_s"] = absl::ToDoubleSeconds(*c.detected_at);
    j["cells"].push_back(std::move(cell));
  }
  return j.dump(2) + "\n";
}

std::string MatrixMarkdown(const std::vector<MatrixVariant>& variants,
                           const std::vector<std::string>& plans,
                           const std::vector<MatrixCell>& cells) {
  std::string out = absl::StrCat("| variant | ", absl::StrJoin(plans, " | "), " |\n|---|");
  for (size_t i = 0; i < plans.size(); ++i) out += "---|";
  out += "\n";
  for (const MatrixVariant& v : variants) {
    out += absl::StrCat("| ", v.name, " |");
    for (const std::string& plan : plans) {
      const MatrixCell* c = Find(cells, v.name, plan);
      std::string text = "–";
      if (c != nullptr && c->outcome == "violation") {
        text = absl::StrJoin(c->violated, ", ");
        if (c->detected_at) {
          absl::StrAppend(&text, absl::StrFormat(" (%.1f s)", absl::ToDoubleSeconds(*c->detected_at)));
        }
      } else if (c != nullptr && c->outcome != "skipped") {
        text = c->outcome;
      }
      absl::StrAppend(&out, " ", text, " |");
    }
    out += "\n";
  }
  return out;
}

}  // namespace turncoat
