#pragma once
/// A blocking HTTP/1.1 client for `pgwarden ctl` (Beast stays in http_client.cpp). A CLI may
/// block; the exchange as a whole is bounded by a timeout.

#include <chrono>
#include <string>

#include "admin/host_port.hpp"
#include "common/result.hpp"

namespace pgw::cli {

struct HttpCall {
  std::string method = "GET";
  std::string target;  ///< "/v1/nodes"
  std::string body;    ///< sent as application/json when not empty
  std::string token;   ///< sent as "Authorization: Bearer <token>" when not empty
};

struct HttpReply {
  int status = 0;
  std::string reason;  ///< "Not Found"
  std::string body;
};

/// Errors carry the system's wording ("Connection refused", "Host not found (authoritative)",
/// "timed out after 5000 ms", or what was malformed in the reply), without the address.
Result<HttpReply> http_call(const admin::HostPort& address, const HttpCall& call,
                            std::chrono::milliseconds timeout);

/// http_call of a GET without a token.
Result<HttpReply> http_get(const admin::HostPort& address, const std::string& target,
                           std::chrono::milliseconds timeout);

}  // namespace pgw::cli
