#pragma once
/// TLS configuration objects (OpenSSL SSL_CTX), for accepting TLS clients and for connecting to
/// TLS servers. Immutable once built and shared by every connection made with them; a reload
/// builds a new one (connections keep the one they started with). Thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

struct ssl_ctx_st;
struct x509_st;

namespace pgw::net {

struct TlsServerSettings {
  std::string cert_file;
  std::string key_file;  ///< refused when group or others may read it (as PostgreSQL does)
  std::string ca_file;   ///< verifies client certificates when set (requested, not required)
  std::string min_protocol = "TLSv1.2";  ///< "TLSv1.2" or "TLSv1.3"
  std::string ciphers;                   ///< TLS 1.2 cipher list; empty: OpenSSL's HIGH default
};

enum class TlsVerify {
  kNone,  ///< encrypt only (libpq's require)
  kCa,    ///< the certificate chains to the CA (verify-ca)
  kFull,  ///< and names the host (verify-full)
};

struct TlsClientSettings {
  std::string ca_file;  ///< required for kCa and kFull; empty: the system's default paths
  TlsVerify verify = TlsVerify::kNone;
  std::string min_protocol = "TLSv1.2";
};

class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>> for_server(const TlsServerSettings& settings);
  static Result<std::shared_ptr<TlsContext>> for_client(const TlsClientSettings& settings);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }
  bool is_server() const { return is_server_; }
  TlsVerify verify() const { return verify_; }
  /// Server contexts: tls-server-end-point channel-binding data of our certificate (RFC 5929).
  const std::vector<std::uint8_t>& end_point_hash() const { return end_point_hash_; }
  /// Server contexts: whether client certificates are verified (a CA file was given).
  bool verifies_clients() const { return verifies_clients_; }

 private:
  TlsContext(ssl_ctx_st* ctx, bool is_server) : ctx_(ctx), is_server_(is_server) {}

  ssl_ctx_st* ctx_;
  bool is_server_;
  bool verifies_clients_ = false;
  TlsVerify verify_ = TlsVerify::kNone;
  std::vector<std::uint8_t> end_point_hash_;
};

/// tls-server-end-point data for `certificate`: its hash with the certificate's signature hash
/// algorithm, SHA-256 when that is MD5 or SHA-1 (RFC 5929 section 4.1). Empty on failure.
std::vector<std::uint8_t> certificate_end_point_hash(x509_st* certificate);

/// The most recent OpenSSL error as text ("" when none), and clears the queue.
std::string last_tls_error();

}  // namespace pgw::net
