#pragma once
/// Test certificates made in memory with OpenSSL (no `openssl` command): a certificate
/// authority, server certificates signed by it (for PostgreSQL nodes, pgwarden, the sandbox)
/// and client certificates with a given common name (the cert method). Keys are EC P-256,
/// signatures ECDSA with SHA-256 (TLS 1.2 suites: ECDHE-ECDSA-*). Validity: from an hour ago
/// for ten years. For tests only: nothing here is meant to protect anything.

#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "testbed/files.hpp"

struct evp_pkey_st;
struct x509_st;

namespace pgw::testbed {

/// What a new certificate says about its holder.
struct CertificateRequest {
  std::string common_name;
  /// subjectAltName entries; a server certificate with names is checked against them
  /// (verify-full), not against the common name.
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  ///< "127.0.0.1", "::1"
  /// extendedKeyUsage: serverAuth when true, clientAuth otherwise.
  bool server = true;
};

/// A certificate and its private key, PEM-encoded.
struct IssuedCertificate {
  std::string certificate_pem;
  std::string key_pem;
};

/// The request for a server on loopback: CN=localhost, DNS:localhost, IP:127.0.0.1, IP:::1.
CertificateRequest localhost_server_request();
/// The request for a client certificate whose common name is `common_name`.
CertificateRequest client_request(const std::string& common_name);

/// A self-signed CA whose key stays in memory. Move-only; not thread-safe.
class CertificateAuthority {
 public:
  /// A new CA key and certificate (CN = `common_name`).
  static Result<CertificateAuthority> create(const std::string& common_name = "pgwarden test CA");
  CertificateAuthority(CertificateAuthority&& other) noexcept;
  CertificateAuthority& operator=(CertificateAuthority&& other) noexcept;
  CertificateAuthority(const CertificateAuthority&) = delete;
  CertificateAuthority& operator=(const CertificateAuthority&) = delete;
  ~CertificateAuthority();

  /// The CA's own certificate (what a verifying peer trusts).
  std::string certificate_pem() const;
  /// A new key and a certificate for it, signed by this CA.
  Result<IssuedCertificate> issue(const CertificateRequest& request) const;

 private:
  CertificateAuthority(evp_pkey_st* key, x509_st* certificate)
      : key_(key), certificate_(certificate) {}

  evp_pkey_st* key_;
  x509_st* certificate_;
};

/// Where write_tls_files() put things.
struct TlsFiles {
  std::string ca_file;    ///< DIR/ca.crt
  std::string cert_file;  ///< DIR/<name>.crt
  std::string key_file;   ///< DIR/<name>.key
};

/// Writes `certificate` to DIR/<name>.crt and DIR/<name>.key, and `ca`'s certificate to
/// DIR/ca.crt; every file mode 0600, owned by `owner`. DIR must exist.
Result<TlsFiles> write_tls_files(const CertificateAuthority& ca,
                                 const IssuedCertificate& certificate, const std::string& dir,
                                 const std::string& name, const Owner& owner);

/// A new CA and a localhost server certificate signed by it, written as DIR/ca.crt,
/// DIR/server.crt and DIR/server.key (created if missing, mode 0700, owned by `owner`).
Result<TlsFiles> make_server_tls_files(const std::string& dir, const Owner& owner);

}  // namespace pgw::testbed
