#include "model/quantities.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace turncoat {

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  absl::Duration d;
  // absl also accepts "inf" and signs; neither means anything for a plan.
  if (trimmed.empty() || trimmed[0] == '-' || trimmed[0] == '+' ||
      !absl::ParseDuration(trimmed, &d) || d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text,
                     "' is not a duration; expected a number with a unit (ns, us, ms, s, m, h), "
                     "e.g. 40s, 500ms or 1m30s"));
  }
  return d;
}

absl::StatusOr<double> ParseRate(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text,
                     "' is not a rate; expected <count>/<unit> with a positive count, e.g. 50/s, "
                     "3000/m or 5/100ms"));
  };
  const size_t slash = trimmed.find('/');
  if (slash == absl::string_view::npos) return bad();
  double count = 0;
  if (!absl::SimpleAtod(trimmed.substr(0, slash), &count) || !std::isfinite(count) || count <= 0) {
    return bad();
  }
  absl::string_view unit = absl::StripAsciiWhitespace(trimmed.substr(slash + 1));
  if (unit.empty()) return bad();
  // "50/s" means fifty per one second; let the duration parser see "1s".
  const std::string per =
      absl::ascii_isdigit(unit[0]) ? std::string(unit) : absl::StrCat("1", unit);
  absl::Duration period;
  if (per[0] == '-' || !absl::ParseDuration(per, &period) || period <= absl::ZeroDuration() ||
      period == absl::InfiniteDuration()) {
    return bad();
  }
  return count / absl::ToDoubleSeconds(period);
}

absl::StatusOr<double> ParseByteRate(absl::string_view text) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text,
                     "' is not a byte rate; expected a positive number of bytes per second, "
                     "alone or with a unit (B, KB, MB, KiB, MiB), e.g. 2048, 16KiB or 1.5MB/s"));
  };
  absl::ConsumeSuffix(&rest, "/s");
  static const std::pair<absl::string_view, double> kUnits[] = {
      {"KiB", 1024.0}, {"MiB", 1024.0 * 1024}, {"KB", 1e3}, {"MB", 1e6}, {"B", 1.0}};
  double scale = 1;
  for (const auto& [unit, factor] : kUnits) {
    if (absl::ConsumeSuffix(&rest, unit)) {
      scale = factor;
      break;
    }
  }
  double number = 0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(rest), &number) || !std::isfinite(number) ||
      number <= 0 || number * scale < 1) {
    return bad();
  }
  return number * scale;
}

}  // namespace turncoat
