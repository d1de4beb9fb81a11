// `turncoat matrix PLAN_OR_DIR... --variant=NAME[=ARGS]... [--out=DIR]
// [--seed=N] [--first-finding]`: runs every variant of the target against
// every plan (a directory means its *.yaml files, in name order), writes
// matrix.json and matrix.md beside one run directory per cell, prints the
// table, and exits 0 when the matrix holds (matrix.h): every variant with
// ARGS (space-separated replica arguments, e.g. "--bug=small-quorum") found
// by some plan, every variant without passing every plan; 1 otherwise; 2 on
// bad input; 3 if interrupted. With --first-finding a variant with ARGS
// stops at the first plan that finds it, which is how CI keeps the matrix
// short; without, every cell runs, for the README's table.
#ifndef TURNCOAT_HARNESS_COMMANDS_MATRIX_COMMAND_H_
#define TURNCOAT_HARNESS_COMMANDS_MATRIX_COMMAND_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/commands/command_line.h"
#include "harness/matrix.h"

namespace turncoat {

extern const CommandDoc kMatrixCommand;

// `turncoat matrix`'s command line.
struct MatrixArgs {
  std::vector<std::string> paths;
  std::vector<MatrixVariant> variants;
  std::string out_dir;  // empty: runs/matrix-<time>
  std::optional<uint64_t> seed;
  bool first_finding = false;
};
// command_line.h's contract: nullopt when the command should go on.
std::optional<int> ParseMatrixArgs(const std::vector<std::string>& args, MatrixArgs* parsed,
                                   std::ostream& out, std::ostream& err);

int RunMatrix(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
              std::ostream& out, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_MATRIX_COMMAND_H_
