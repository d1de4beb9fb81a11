#include "common/tls_certificates.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace turncoat {
namespace {

// The reason OpenSSL gave last, for messages; clears its error queue.
std::string OpensslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

absl::Status Failed(const std::string& what) {
  return absl::InternalError(absl::StrCat("cannot ", what, ": ", OpensslError()));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

absl::Status CheckHost(const std::string& host) {
  if (host.empty()) return absl::InvalidArgumentError("a host name is empty");
  for (const char c : host) {
    if (c == ',' || c == ' ' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("host '", host,
                       "' is not a host name or IP address (it holds a comma, a space or a "
                       "control character)"));
    }
  }
  return absl::OkStatus();
}

// subjectAltName with one entry per host: IP for what parses as an IPv4 or
// IPv6 address, DNS otherwise. Built from GENERAL_NAMEs rather than
// OpenSSL's "IP:…,DNS:…" text, so that no host is read as syntax.
absl::Status AddAltNames(X509* cert, const std::vector<std::string>& hosts) {
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  if (names == nullptr) return Failed("allocate subjectAltName");
  absl::Status status;
  for (const std::string& host : hosts) {
    status = CheckHost(host);
    if (!status.ok()) break;
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) {
      status = Failed("allocate subjectAltName");
      break;
    }
    if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str()); ip != nullptr) {
      GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
    } else {
      ERR_clear_error();  // not an address: a DNS name
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      if (dns == nullptr || ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size())) != 1) {
        ASN1_IA5STRING_free(dns);
        GENERAL_NAME_free(name);
        status = Failed("encode host name");
        break;
      }
      GENERAL_NAME_set0_value(name, GEN_DNS, dns);
    }
    sk_GENERAL_NAME_push(names, name);
  }
  if (status.ok() &&
      X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) != 1) {
    status = Failed("add subjectAltName");
  }
  GENERAL_NAMES_free(names);
  return status;
}

template <typename T, typename Write>
absl::StatusOr<std::string> ToPem(T* object, Write write) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return Failed("allocate a buffer");
  std::string pem;
  if (write(bio, object) == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    pem.assign(data, size);
  }
  BIO_free(bio);
  if (pem.empty()) return Failed("write PEM");
  return pem;
}

// Writes `text` to `path` with `mode`, which also applies when the file
// existed (open's mode only applies to a file it creates).
absl::Status WriteWithMode(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", strerror(errno)));
  bool ok = fchmod(fd, mode) == 0;
  for (size_t done = 0; ok && done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  const int saved = errno;
  if (close(fd) != 0 && ok)
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", strerror(errno)));
  if (!ok)
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", strerror(saved)));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TlsIdentity> TlsIdentity::MakeCa(const std::string& common_name,
                                                absl::Duration valid_for) {
  return Make(nullptr, common_name, {}, /*ca=*/true, TlsUsage::kServer, valid_for);
}

absl::StatusOr<TlsIdentity> TlsIdentity::MakeSigned(const TlsIdentity& ca,
                                                    const std::string& common_name,
                                                    const std::vector<std::string>& hosts,
                                                    TlsUsage usage, absl::Duration valid_for) {
  if (hosts.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the certificate for ", common_name, " needs at least one host"));
  }
  return Make(&ca, common_name, hosts, /*ca=*/false, usage, valid_for);
}

absl::StatusOr<TlsIdentity> TlsIdentity::Make(const TlsIdentity* issuer,
                                              const std::string& common_name,
                                              const std::vector<std::string>& hosts, bool ca,
                                              TlsUsage usage, absl::Duration valid_for) {
  TlsIdentity id;
  id.key_.reset(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (id.key_ == nullptr) return Failed("generate a P-256 key");
  id.cert_.reset(X509_new(), X509_free);
  if (id.cert_ == nullptr) return Failed("allocate a certificate");
  X509* cert = id.cert_.get();

  BIGNUM* serial = BN_new();
  bool ok = serial != nullptr && BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
            BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != nullptr;
  BN_free(serial);
  if (!ok) return Failed("draw a serial number");

  const long valid_seconds = static_cast<long>(absl::ToInt64Seconds(valid_for));
  ok = X509_set_version(cert, X509_VERSION_3) == 1 &&
       X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr &&
       X509_gmtime_adj(X509_getm_notAfter(cert), valid_seconds) != nullptr &&
       X509_set_pubkey(cert, id.key_.get()) == 1 &&
       X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                  -1, 0) == 1;
  if (!ok) return Failed(absl::StrCat("fill in the certificate for ", common_name));

  X509* issuer_cert = issuer != nullptr ? issuer->cert() : cert;
  EVP_PKEY* issuer_key = issuer != nullptr ? issuer->key() : id.key_.get();
  ok = X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert)) == 1 &&
       AddExtension(cert, issuer_cert, NID_subject_key_identifier, "hash") &&
       AddExtension(cert, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    ok = ok && AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(cert, issuer_cert, NID_key_usage, "critical,digitalSignature") &&
         AddExtension(cert, issuer_cert, NID_ext_key_usage,
                      usage == TlsUsage::kServer ? "serverAuth" : "clientAuth");
  }
  if (!ok) return Failed(absl::StrCat("add the extensions of the certificate for ", common_name));
  if (!ca) {
    if (absl::Status s = AddAltNames(cert, hosts); !s.ok()) return s;
  }
  if (X509_sign(cert, issuer_key, EVP_sha256()) == 0) {
    return Failed(absl::StrCat("sign the certificate for ", common_name));
  }

  absl::StatusOr<std::string> cert_pem =
      ToPem(cert, [](BIO* bio, X509* x) { return PEM_write_bio_X509(bio, x); });
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ToPem(id.key_.get(), [](BIO* bio, EVP_PKEY* k) {
    return PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!key_pem.ok()) return key_pem.status();
  id.cert_pem_ = *std::move(cert_pem);
  id.key_pem_ = *std::move(key_pem);
  return id;
}

absl::Status TlsIdentity::WriteFiles(const std::string& cert_path,
                                     const std::string& key_path) const {
  if (absl::Status s = WriteWithMode(key_path, key_pem_, 0600); !s.ok()) return s;
  return WriteWithMode(cert_path, cert_pem_, 0644);
}

}  // namespace turncoat
