#include "agents/socket_address.h"

#include <netdb.h>

#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace turncoat {
namespace agent {

absl::StatusOr<SocketAddress> ResolveAddress(absl::string_view address) {
  absl::string_view rest = address;
  if (!absl::ConsumePrefix(&rest, "dns:///") && !absl::ConsumePrefix(&rest, "ipv4:")) {
    absl::ConsumePrefix(&rest, "ipv6:");
  }
  std::string host;
  std::string port;
  if (absl::ConsumePrefix(&rest, "[")) {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos || rest.substr(close + 1, 1) != ":") {
      return absl::InvalidArgumentError(
          absl::StrCat("address '", address, "' is not [host]:port"));
    }
    host = std::string(rest.substr(0, close));
    port = std::string(rest.substr(close + 2));
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("address '", address, "' is not host:port"));
    }
    host = std::string(rest.substr(0, colon));
    port = std::string(rest.substr(colon + 1));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve '", address, "': ", gai_strerror(rc)));
  }
  SocketAddress out;
  std::memcpy(&out.addr, found->ai_addr, found->ai_addrlen);
  out.len = found->ai_addrlen;
  freeaddrinfo(found);
  return out;
}

}  // namespace agent
}  // namespace turncoat
