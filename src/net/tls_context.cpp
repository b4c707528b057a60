#include "net/tls_context.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

namespace pgw::net {
namespace {

Result<int> protocol_version(const std::string& name) {
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  return fail("unsupported TLS protocol \"" + name + "\": use \"TLSv1.2\" or \"TLSv1.3\"");
}

/// PostgreSQL refuses a private key others may read; so does pgwarden.
Result<void> check_key_permissions(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return fail("cannot read TLS key file " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return fail("TLS key file " + path + " is readable or writable by group or others (mode " +
                std::to_string((st.st_mode & 0777) / 64) + std::to_string((st.st_mode & 077) / 8) +
                std::to_string(st.st_mode & 07) + "); run: chmod 600 " + path);
  }
  return {};
}

}  // namespace

std::string last_tls_error() {
  unsigned long code = ERR_get_error();
  std::string text;
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

std::vector<std::uint8_t> certificate_end_point_hash(X509* certificate) {
  int digest_nid = 0;
  int pkey_nid = 0;
  if (certificate == nullptr ||
      !OBJ_find_sigid_algs(X509_get_signature_nid(certificate), &digest_nid, &pkey_nid)) {
    return {};
  }
  const EVP_MD* digest = nullptr;
  if (digest_nid == NID_md5 || digest_nid == NID_sha1) {
    digest = EVP_sha256();
  } else {
    digest = EVP_get_digestbynid(digest_nid);
  }
  if (digest == nullptr) return {};
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, digest, hash, &length) != 1) return {};
  return {hash, hash + length};
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

Result<std::shared_ptr<TlsContext>> TlsContext::for_server(const TlsServerSettings& settings) {
  auto min_version = protocol_version(settings.min_protocol);
  if (!min_version) return unexpected(min_version.error());
  if (auto ok = check_key_permissions(settings.key_file); !ok) return unexpected(ok.error());
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return fail("cannot create a TLS context: " + last_tls_error());
  std::shared_ptr<TlsContext> context(new TlsContext(ctx, true));
  SSL_CTX_set_min_proto_version(ctx, *min_version);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!settings.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, settings.ciphers.c_str()) != 1) {
    return fail("invalid TLS cipher list \"" + settings.ciphers + "\": " + last_tls_error());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, settings.cert_file.c_str()) != 1) {
    return fail("cannot load TLS certificate " + settings.cert_file + ": " + last_tls_error());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, settings.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return fail("cannot load TLS key " + settings.key_file + ": " + last_tls_error());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return fail("TLS key " + settings.key_file + " does not match certificate " +
                settings.cert_file);
  }
  if (!settings.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, settings.ca_file.c_str(), nullptr) != 1) {
      return fail("cannot load TLS CA file " + settings.ca_file + ": " + last_tls_error());
    }
    // Like PostgreSQL: ask for a certificate, verify it when sent; whether one is required is
    // the pg_hba rule's business (cert method, clientcert option).
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(settings.ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
    context->verifies_clients_ = true;
  }
  context->end_point_hash_ = certificate_end_point_hash(SSL_CTX_get0_certificate(ctx));
  return context;
}

Result<std::shared_ptr<TlsContext>> TlsContext::for_client(const TlsClientSettings& settings) {
  auto min_version = protocol_version(settings.min_protocol);
  if (!min_version) return unexpected(min_version.error());
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return fail("cannot create a TLS context: " + last_tls_error());
  std::shared_ptr<TlsContext> context(new TlsContext(ctx, false));
  context->verify_ = settings.verify;
  SSL_CTX_set_min_proto_version(ctx, *min_version);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (settings.verify != TlsVerify::kNone) {
    int loaded = settings.ca_file.empty()
                     ? SSL_CTX_set_default_verify_paths(ctx)
                     : SSL_CTX_load_verify_locations(ctx, settings.ca_file.c_str(), nullptr);
    if (loaded != 1) {
      return fail("cannot load TLS CA file " + settings.ca_file + ": " + last_tls_error());
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  return context;
}

}  // namespace pgw::net
