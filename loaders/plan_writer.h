// WritePlan: a Plan back as plan-file text (docs/plan-format.md), for plans
// the harness makes itself — the shrinker's candidates and its shrunk.yaml.
//
// Promise: ParsePlan of the text gives a Plan equal to the one written in
// every field the format has (the run-time fields `path`, `source_text` and
// each phase's `line` aside), and `generated_by` empty: a generated timeline
// is written as ordinary phases, and the generator only as a comment, so
// the file runs the same phases whatever the generator draws later. A plan
// not yet expanded (its `generate` section still there) is written with
// that section, to be drawn again when it is run. Every
// duration, rate and number is written so that it reads back exactly.
//
// The target path is written as the plan holds it (absolute, as the loader
// resolves it) unless WritePlanOptions::relative_to names the directory the
// file will be written to; docs/shrink.md says why shrunk.yaml keeps it
// absolute.
//
// Pure functions; thread-safe.
#ifndef TURNCOAT_LOADERS_PLAN_WRITER_H_
#define TURNCOAT_LOADERS_PLAN_WRITER_H_

#include <string>

#include "model/plan.h"

namespace turncoat {

struct WritePlanOptions {
  // Written first, each line as a `# ` comment.
  std::string header;
  // Non-empty: the target path is written relative to this directory.
  std::string relative_to;
};

std::string WritePlan(const Plan& plan, const WritePlanOptions& options = {});

}  // namespace turncoat

#endif  // TURNCOAT_LOADERS_PLAN_WRITER_H_
