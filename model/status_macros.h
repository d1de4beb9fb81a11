// Early return on a failed absl::Status or absl::StatusOr, as Abseil's own
// internal macros do; loaders check dozens of fields in a row and would
// otherwise drown their logic in `if (!s.ok()) return s;`.
#ifndef TURNCOAT_MODEL_STATUS_MACROS_H_
#define TURNCOAT_MODEL_STATUS_MACROS_H_

#include <utility>

#define TURNCOAT_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    const ::absl::Status turncoat_status_ = (expr);      \
    if (!turncoat_status_.ok()) return turncoat_status_; \
  } while (0)

// TURNCOAT_ASSIGN_OR_RETURN(auto x, F()) declares x from F()'s value, or
// returns F()'s status from the enclosing function.
#define TURNCOAT_ASSIGN_OR_RETURN(lhs, expr) \
  TURNCOAT_ASSIGN_OR_RETURN_IMPL(TURNCOAT_STATUS_CONCAT(turncoat_statusor_, __LINE__), lhs, expr)

#define TURNCOAT_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return statusor.status();             \
  lhs = std::move(statusor).value()

#define TURNCOAT_STATUS_CONCAT_INNER(a, b) a##b
#define TURNCOAT_STATUS_CONCAT(a, b) TURNCOAT_STATUS_CONCAT_INNER(a, b)

#endif  // TURNCOAT_MODEL_STATUS_MACROS_H_
