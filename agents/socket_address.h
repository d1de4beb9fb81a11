// SocketAddress: "host:port" as target files and the control API write a
// replica's or a proxy's address, resolved to what bind() and connect()
// take. Shared by the gRPC link proxy and the TCP links. Thread-safe (pure).
#ifndef TURNCOAT_AGENTS_SOCKET_ADDRESS_H_
#define TURNCOAT_AGENTS_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace turncoat {
namespace agent {

struct SocketAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

// "host:port" or "[v6]:port", optionally with gRPC's "dns:///", "ipv4:" or
// "ipv6:" scheme; host may be a name (resolved) or a numeric address.
absl::StatusOr<SocketAddress> ResolveAddress(absl::string_view address);

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_SOCKET_ADDRESS_H_
