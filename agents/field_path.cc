#include "agents/field_path.h"

#include "absl/strings/str_cat.h"
#include "agents/message_codec.h"
#include "agents/message_view.h"
#include "agents/proto_tree.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace agent {

absl::StatusOr<FieldPath> FieldPath::Parse(absl::string_view text,
                                           const google::protobuf::Descriptor* root,
                                           const MessageCodec* codec,
                                           const MessageModel::Kind* kind) {
  auto path = ParseTreePath(text);
  if (!path.ok()) return path.status();
  if (kind != nullptr) {
    const ModelPath resolved = kind->Resolve(*path);
    if (resolved.base == ModelPath::Base::kContent) {
      if (!kind->decodable()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "field path '", text, "' is inside the payload of ", kind->request_type->full_name(),
            ", which is opaque: nothing in it can match"));
      }
      if (kind->spec.payload_codec == PayloadCodecKind::kProtobuf && codec != nullptr) {
        const google::protobuf::Descriptor* type = codec->FindMessage(kind->spec.payload_type);
        if (type != nullptr && !resolved.path.empty()) {
          if (absl::Status s = ProtoTree::CheckPath(resolved.path, type, codec); !s.ok()) {
            return absl::InvalidArgumentError(
                absl::StrCat("field path '", text, "': ", s.message()));
          }
        }
      }
      return FieldPath(std::string(text), *std::move(path));
    }
  }
  if (root != nullptr) {
    if (absl::Status s = ProtoTree::CheckPath(*path, root, codec); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("field path '", text, "': ", s.message()));
    }
  }
  return FieldPath(std::string(text), *std::move(path));
}

bool FieldPath::AnyValue(const Frame& frame,
                         const std::function<bool(const FieldValue&)>& fn) const {
  if (const MessageView* view = frame.view()) {
    return view->AnyValue(view->kind_spec().Resolve(path_), fn);
  }
  const ProtoTree* tree = frame.tree();
  return tree != nullptr && tree->AnyValue(path_, fn);
}

bool FieldPath::Present(const Frame& frame) const {
  if (const MessageView* view = frame.view()) {
    return view->Present(view->kind_spec().Resolve(path_));
  }
  const ProtoTree* tree = frame.tree();
  return tree != nullptr && tree->Present(path_);
}

}  // namespace agent
}  // namespace turncoat
