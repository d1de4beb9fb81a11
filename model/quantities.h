// Quantities written in plan and target files: durations ("40s", "500ms",
// "1m30s"), rates ("50/s", "3/100ms") and byte rates ("16KiB", "2048").
//
// Both parsers accept exactly what the format docs promise and nothing more:
// a bare number is rejected because a duration without a unit is a guess.
// Their error messages say what was expected; callers add the location.
#ifndef TURNCOAT_MODEL_QUANTITIES_H_
#define TURNCOAT_MODEL_QUANTITIES_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace turncoat {

// A non-negative, finite duration: one or more <number><unit> terms with
// units ns, us, ms, s, m, h ("1m30s", "1.5s"), or "0".
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

// A positive event rate "<count>/<unit>", where <unit> is a duration with an
// optional leading number: "50/s", "3000/m", "5/100ms". Returns events per
// second.
absl::StatusOr<double> ParseRate(absl::string_view text);

// A positive number of bytes per second: a number alone, or with a unit B,
// KB, MB (powers of 1000), KiB, MiB (powers of 1024), optionally followed
// by "/s": "2048", "16KiB", "1.5MB/s". Returns bytes per second.
absl::StatusOr<double> ParseByteRate(absl::string_view text);

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_QUANTITIES_H_
