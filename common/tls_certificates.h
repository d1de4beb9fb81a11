// X.509 certificates for turncoat's control API: a certificate authority of
// one's own and the certificates it signs for agents (servers) and the
// controller (client), made with OpenSSL so that mutual TLS needs no other
// tool. `turncoat certs` writes them; the agent TLS tests make theirs here.
//
// What this module promises:
//   * Keys are ECDSA P-256; certificates are X.509 v3 signed with SHA-256,
//     valid from an hour ago (clock skew) for `valid_for`, with a fresh random
//     serial number, subject and authority key identifiers.
//   * A CA is self-signed, basicConstraints CA:TRUE, keyUsage keyCertSign and
//     cRLSign. A leaf is CA:FALSE, keyUsage digitalSignature, extendedKeyUsage
//     serverAuth or clientAuth, and names each of its hosts in
//     subjectAltName: an IPv4 or IPv6 address as IP, anything else as DNS.
//   * Key files are written with mode 0600 (also when they already existed),
//     certificates 0644; PEM, the key unencrypted PKCS#8.
//
// TlsIdentity is immutable; copies share the OpenSSL objects, which are only
// read after they are made, so an identity is safe to share between threads.
#ifndef TURNCOAT_COMMON_TLS_CERTIFICATES_H_
#define TURNCOAT_COMMON_TLS_CERTIFICATES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

namespace turncoat {

enum class TlsUsage { kServer, kClient };

// A certificate and its private key.
class TlsIdentity {
 public:
  // A self-signed certificate authority named `common_name`.
  static absl::StatusOr<TlsIdentity> MakeCa(const std::string& common_name,
                                            absl::Duration valid_for = absl::Hours(24 * 3650));
  // A certificate for `common_name` and `hosts` (its subjectAltName), for
  // `usage`, signed by `ca`. A server's hosts are the addresses its clients
  // dial; a host that is empty or holds a comma, a space or a control
  // character is refused.
  static absl::StatusOr<TlsIdentity> MakeSigned(const TlsIdentity& ca,
                                                const std::string& common_name,
                                                const std::vector<std::string>& hosts,
                                                TlsUsage usage,
                                                absl::Duration valid_for = absl::Hours(24 * 825));

  // PEM texts, each ending with a newline.
  const std::string& cert_pem() const { return cert_pem_; }
  const std::string& key_pem() const { return key_pem_; }
  // The OpenSSL objects, owned by this identity (and its copies).
  X509* cert() const { return cert_.get(); }
  EVP_PKEY* key() const { return key_.get(); }

  // Writes cert_pem() to `cert_path` and key_pem() to `key_path` (mode 0600).
  // Replaces files that exist; errors name the file.
  absl::Status WriteFiles(const std::string& cert_path, const std::string& key_path) const;

 private:
  TlsIdentity() = default;
  static absl::StatusOr<TlsIdentity> Make(const TlsIdentity* issuer, const std::string& common_name,
                                          const std::vector<std::string>& hosts, bool ca,
                                          TlsUsage usage, absl::Duration valid_for);

  std::shared_ptr<EVP_PKEY> key_;
  std::shared_ptr<X509> cert_;
  std::string cert_pem_;
  std::string key_pem_;
};

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_TLS_CERTIFICATES_H_
