// ContentFields: the fields of a target's peer messages that a generator may
// name in a plan — to clear them, or to set them to another value — read
// from the target's own schema, so that drawn scenarios reach attacks such
// as "re-propose without the justification" or "a vote of another phase"
// without anyone writing the target's field names into a plan.
//
// Paths are plan paths (docs/adversaries.md): relative to a message's
// content (its decoded payload, or the request when it has none). Only
// protobuf content has a schema; JSON and external codecs give no fields.
// The result is a plain value, safe to share once built.
#ifndef TURNCOAT_GENERATORS_CONTENT_FIELDS_H_
#define TURNCOAT_GENERATORS_CONTENT_FIELDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/params.h"
#include "model/target_spec.h"

namespace turncoat {

struct ContentField {
  enum class Type { kMessage, kList, kEnum, kBool, kInteger };
  std::string path;  // plan path, e.g. "proposal.justify"
  // The kind of message the field belongs to, when its first segment is a
  // kind the target names (a member of the kind oneof); empty: any kind of
  // its message.
  std::string kind;
  // Its kind carries client values (the target's `values` path runs
  // through it): a proposal, which equivocation rewrites.
  bool proposal = false;
  Type type = Type::kMessage;
  std::vector<std::string> enum_values;  // kEnum: every value name, in declaration order
};

// Whether a parameter drawing its values from `source` (kContentFields,
// kProposalFields: fields to clear; kFieldAssignments: fields to set) may
// name `field`: messages and lists are cleared, enums, bools and integers
// set, and proposal fields only for kProposalFields.
bool FieldServes(const ContentField& field, ParamSource source);

// Every field of every peer message's protobuf content down to `max_depth`
// segments, below the first (a kind's member itself is never listed:
// clearing it would change what kind of message it is). Fails only when
// the target's .proto files do not load.
absl::StatusOr<std::vector<ContentField>> ContentFieldsOf(const TargetSpec& target,
                                                          int max_depth = 3);

}  // namespace turncoat

#endif  // TURNCOAT_GENERATORS_CONTENT_FIELDS_H_
