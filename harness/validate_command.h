// `turncoat validate FILE...`: checks plan and target files without running
// anything, for editors, pre-commit hooks and the first step of a CI job.
//
// Each file is taken as a plan if its top level has `target`, else as a
// target if it has `replica`; a plan's target file is checked too. One line per
// file: "ok: ..." on `out`, or the loader's "file:line:column: ..." error on
// `err`.
#ifndef TURNCOAT_HARNESS_VALIDATE_COMMAND_H_
#define TURNCOAT_HARNESS_VALIDATE_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace turncoat {

// kExitOk if every file is valid, kExitBadInput otherwise (or if `files`
// is empty).
int RunValidate(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_VALIDATE_COMMAND_H_
