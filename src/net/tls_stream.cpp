// The TLS half of net::Stream: OpenSSL driven directly on the non-blocking socket, so that TLS
// connections keep the relay's readiness-driven pattern (wait, then read what is there).

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/stream.hpp"

namespace pgw::net {
namespace {

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

awaitable<Result<void>> Stream::accept_tls(std::shared_ptr<TlsContext> context) {
  ssl_ = SSL_new(context->native());
  if (ssl_ == nullptr) co_return fail("cannot start TLS: " + last_tls_error());
  tls_context_ = std::move(context);
  SSL_set_fd(ssl_, socket_.native_handle());
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  co_return co_await handshake(true);
}

awaitable<Result<void>> Stream::connect_tls(std::shared_ptr<TlsContext> context, std::string host) {
  ssl_ = SSL_new(context->native());
  if (ssl_ == nullptr) co_return fail("cannot start TLS: " + last_tls_error());
  bool verify_host = context->verify() == TlsVerify::kFull;
  tls_context_ = std::move(context);
  SSL_set_fd(ssl_, socket_.native_handle());
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  bool ip = is_ip_literal(host);
  if (!ip && !host.empty() && host.front() != '/') {
    // SSL_set_tlsext_host_name without its C-style cast.
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
  }
  if (verify_host) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                 : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    if (set != 1) co_return fail("cannot verify host name \"" + host + "\"");
  }
  co_return co_await handshake(false);
}

awaitable<Result<void>> Stream::handshake(bool accept) {
  for (;;) {
    ERR_clear_error();
    int result = accept ? SSL_accept(ssl_) : SSL_connect(ssl_);
    if (result == 1) co_return Result<void>{};
    int error = SSL_get_error(ssl_, result);
    error_code ec;
    if (error == SSL_ERROR_WANT_READ) {
      co_await socket_.async_wait(Socket::wait_read, use_awaitable_ec(ec));
    } else if (error == SSL_ERROR_WANT_WRITE) {
      co_await socket_.async_wait(Socket::wait_write, use_awaitable_ec(ec));
    } else {
      std::string why = last_tls_error();
      if (!accept && SSL_get_verify_result(ssl_) != X509_V_OK) {
        why = X509_verify_cert_error_string(SSL_get_verify_result(ssl_));
      }
      co_return fail("TLS handshake failed: " + (why.empty() ? "connection closed" : why));
    }
    if (ec) co_return fail("TLS handshake interrupted: " + ec.message());
  }
}

std::size_t Stream::tls_read(std::span<std::uint8_t> into, error_code& ec) {
  read_wants_write_ = false;
  ERR_clear_error();
  int n = SSL_read(ssl_, into.data(), static_cast<int>(into.size()));
  if (n > 0) return static_cast<std::size_t>(n);
  switch (SSL_get_error(ssl_, n)) {
    case SSL_ERROR_WANT_READ:
      ec = asio::error::would_block;
      break;
    case SSL_ERROR_WANT_WRITE:
      read_wants_write_ = true;
      ec = asio::error::would_block;
      break;
    case SSL_ERROR_ZERO_RETURN:
      ec = asio::error::eof;
      break;
    default:
      // An unexpected EOF (no close_notify) reads as an ordinary end, as it does for libpq.
      ERR_clear_error();
      ec = asio::error::connection_reset;
      break;
  }
  return 0;
}

awaitable<error_code> Stream::tls_write_all(std::span<const std::uint8_t> data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ERR_clear_error();
    int n = SSL_write(ssl_, data.data() + done, static_cast<int>(data.size() - done));
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    error_code ec;
    int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_WANT_WRITE) {
      co_await socket_.async_wait(Socket::wait_write, use_awaitable_ec(ec));
    } else if (error == SSL_ERROR_WANT_READ) {
      co_await socket_.async_wait(Socket::wait_read, use_awaitable_ec(ec));
    } else {
      ERR_clear_error();
      co_return asio::error::connection_reset;
    }
    if (ec) co_return ec;
  }
  co_return error_code{};
}

std::optional<std::string> Stream::verified_peer_common_name() const {
  if (ssl_ == nullptr || SSL_get_verify_result(ssl_) != X509_V_OK) return std::nullopt;
  X509* certificate = SSL_get1_peer_certificate(ssl_);
  if (certificate == nullptr) return std::nullopt;
  char name[256] = {};
  int length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name,
                                         sizeof name);
  X509_free(certificate);
  if (length < 0 || static_cast<std::size_t>(length) >= sizeof name) return std::nullopt;
  return std::string(name, static_cast<std::size_t>(length));
}

std::vector<std::uint8_t> Stream::peer_end_point_hash() const {
  if (ssl_ == nullptr) return {};
  X509* certificate = SSL_get1_peer_certificate(ssl_);
  auto hash = certificate_end_point_hash(certificate);
  X509_free(certificate);
  return hash;
}

std::string Stream::tls_description() const {
  if (ssl_ == nullptr) return "";
  return std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_);
}

}  // namespace pgw::net
