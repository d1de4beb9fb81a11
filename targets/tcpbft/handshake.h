// The address-checking handshake that opens every replica-to-replica
// connection.
//
// The replica with the lower index dials and sends HELLO {its id, its
// address}; the acceptor answers HELLO_ACK {its id, its address}. "Its
// address" is a replica's own entry in the config's `replicas` list. Each
// side checks the other's claim against its own config: the acceptor that the
// id is a replica with a lower index than its own and the claimed address is
// the one its config lists for that id; the dialler that the id is the one it
// dialled and the claimed address equals the address it dialled. Both are
// signed. A relay on a port of its own therefore fails the dialler's check —
// what such systems do and why per-port proxies break them.
//
// Stateless functions; thread-safe.
#ifndef TURNCOAT_TARGETS_TCPBFT_HANDSHAKE_H_
#define TURNCOAT_TARGETS_TCPBFT_HANDSHAKE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "targets/tcpbft/config.h"
#include "targets/tcpbft/frame.h"

namespace tcpbft {

// The payload of this replica's HELLO or HELLO_ACK.
std::string MakeHello(const Config& config, FrameType type);

// The acceptor's check of a HELLO payload; the dialler's index if it passes.
absl::StatusOr<int> CheckHello(const Config& config, absl::string_view payload);

// The dialler's check of the HELLO_ACK it got after dialling replica `dialled`.
absl::Status CheckHelloAck(const Config& config, int dialled, absl::string_view payload);

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_HANDSHAKE_H_
