#include "targets/tcpbft/handshake.h"

#include "absl/strings/str_cat.h"
#include "targets/tcpbft/messages.h"

namespace tcpbft {
namespace {

// The hello and the index of the replica it names, if it is well-formed and
// signed by that replica.
absl::StatusOr<std::pair<Hello, int>> Open(const Config& config, absl::string_view payload,
                                           FrameType type) {
  absl::string_view body, signature;
  std::optional<Hello> hello;
  if (!Unseal(payload, type, &body, &signature) || !(hello = Decode<Hello>(body, type))) {
    return absl::InvalidArgumentError(absl::StrCat("malformed ", FrameTypeName(static_cast<uint8_t>(type))));
  }
  const int index = config.IndexOf(hello->id);
  if (index < 0) return absl::PermissionDeniedError(absl::StrCat("unknown replica id '", hello->id, "'"));
  if (!config.replicas[index].key.Verify(body, signature)) {
    return absl::PermissionDeniedError(absl::StrCat("bad signature from '", hello->id, "'"));
  }
  return std::make_pair(*hello, index);
}

}  // namespace

std::string MakeHello(const Config& config, FrameType type) {
  return Seal(*config.key, Encode(type, Hello{config.id, config.replicas[config.index].address}));
}

absl::StatusOr<int> CheckHello(const Config& config, absl::string_view payload) {
  absl::StatusOr<std::pair<Hello, int>> opened = Open(config, payload, FrameType::kHello);
  if (!opened.ok()) return opened.status();
  const auto& [hello, index] = *opened;
  if (index >= config.index) {
    return absl::PermissionDeniedError(absl::StrCat(
        "'", hello.id, "' dialled, but the replica with the lower index dials and it is ", config.id));
  }
  if (hello.address != config.replicas[index].address) {
    return absl::PermissionDeniedError(
        absl::StrCat("'", hello.id, "' claims address ", hello.address, " but the config lists ",
                     config.replicas[index].address));
  }
  return index;
}

absl::Status CheckHelloAck(const Config& config, int dialled, absl::string_view payload) {
  absl::StatusOr<std::pair<Hello, int>> opened = Open(config, payload, FrameType::kHelloAck);
  if (!opened.ok()) return opened.status();
  const auto& [hello, index] = *opened;
  const ReplicaInfo& expected = config.replicas[dialled];
  if (index != dialled) {
    return absl::PermissionDeniedError(
        absl::StrCat("dialled '", expected.id, "' at ", expected.address, " but '", hello.id, "' answered"));
  }
  if (hello.address != expected.address) {
    return absl::PermissionDeniedError(
        absl::StrCat("dialled ", expected.address, " but '", hello.id, "' says it listens on ",
                     hello.address, " (a relay or proxy in between?)"));
  }
  return absl::OkStatus();
}

}  // namespace tcpbft
