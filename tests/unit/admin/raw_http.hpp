#pragma once
// A blocking HTTP client on a raw loopback socket for the server tests: it sends exactly the
// bytes a test gives, and every read has a deadline (SO_RCVTIMEO), so a test fails instead of
// hanging.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace pgw::admin::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
};

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port,
                         std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval limit{};
    limit.tv_sec = static_cast<time_t>(deadline.count() / 1000);
    limit.tv_usec = static_cast<suseconds_t>((deadline.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  /// One response (Content-Length bodies only); nullopt on EOF, error or deadline.
  std::optional<RawResponse> read_response() {
    std::size_t header_end;
    while ((header_end = input_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    RawResponse response;
    const std::string head = input_.substr(0, header_end);
    response.status = std::stoi(head.substr(head.find(' ') + 1, 3));
    parse_headers(head, response.headers);
    const std::size_t length = response.headers.count("content-length")
                                   ? std::stoul(response.headers["content-length"])
                                   : 0;
    while (input_.size() < header_end + 4 + length) {
      if (!fill()) return std::nullopt;
    }
    response.body = input_.substr(header_end + 4, length);
    input_.erase(0, header_end + 4 + length);
    return response;
  }

  /// True when the server closes the connection (EOF) before the deadline with no more data.
  bool closed_by_peer() {
    char byte;
    return input_.empty() && ::recv(fd_, &byte, 1, 0) == 0;
  }

 private:
  bool fill() {
    char chunk[4096];
    const auto received = ::recv(fd_, chunk, sizeof chunk, 0);
    if (received <= 0) return false;
    input_.append(chunk, static_cast<std::size_t>(received));
    return true;
  }

  static void parse_headers(const std::string& head, std::map<std::string, std::string>& out) {
    std::size_t line = head.find("\r\n");
    while (line != std::string::npos) {
      const std::size_t start = line + 2;
      line = head.find("\r\n", start);
      const std::string field = head.substr(start, line == std::string::npos ? line : line - start);
      const auto colon = field.find(':');
      if (colon == std::string::npos) continue;
      std::string name = field.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const auto value_at = field.find_first_not_of(' ', colon + 1);
      out[name] = value_at == std::string::npos ? std::string() : field.substr(value_at);
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string input_;
};

}  // namespace pgw::admin::testing
