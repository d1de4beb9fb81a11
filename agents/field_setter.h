// Field setting from text: how rewriters turn a plan's "path=value" into a
// change of a decoded message.
//
// Shared by set_field (a path from the frame's root) and forge (paths inside
// an envelope's payload), so both read values the same way as rule
// predicates print them: decimal numbers, true/false, enum value names or
// numbers, raw string and bytes content.
#ifndef TURNCOAT_AGENTS_FIELD_SETTER_H_
#define TURNCOAT_AGENTS_FIELD_SETTER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace google {
namespace protobuf {
class FieldDescriptor;
class Message;
}  // namespace protobuf
}  // namespace google

namespace turncoat {
namespace agent {

class MessageCodec;

// Whether `f` holds a (signed or unsigned, 32- or 64-bit) integer.
bool IsIntegerField(const google::protobuf::FieldDescriptor* f);

// Sets singular scalar field `f` of `m` to `value` parsed for its type.
absl::Status SetScalar(google::protobuf::Message* m,
                       const google::protobuf::FieldDescriptor* f,
                       absl::string_view value);

// What SetPath does with an unset message field on the way to the leaf.
enum class MissingParent {
  kCreate,    // set it, as a plan that names the path asks for
  kNotFound,  // fail with NotFound: the message is not the kind the path is for
};

// Sets the singular scalar that `segments` reach from `m`, through singular
// message fields and through bytes fields `codec` declares embedded (decoded,
// changed and re-encoded in place).
absl::Status SetPath(const MessageCodec& codec, google::protobuf::Message* m,
                     const std::vector<std::string>& segments,
                     absl::string_view value, MissingParent missing);

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_FIELD_SETTER_H_
