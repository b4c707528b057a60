#include "raw_client.hpp"

#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth/md5.hpp"
#include "auth/scram.hpp"
#include "common/byte_view.hpp"
#include "common/random.hpp"
#include "protocol/backend.hpp"
#include "protocol/framing.hpp"
#include "protocol/frontend.hpp"
#include "protocol/startup.hpp"

namespace pgw::testing {

std::unique_ptr<RawClient> RawClient::connect_tcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<RawClient>(new RawClient(fd));
}

std::unique_ptr<RawClient> RawClient::connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<RawClient>(new RawClient(fd));
}

RawClient::~RawClient() {
  ::close(fd_);
}

bool RawClient::send(const protocol::Bytes& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool RawClient::send_text(std::string_view bytes) {
  return send(protocol::Bytes(bytes.begin(), bytes.end()));
}

bool RawClient::send_startup(const std::string& user, const std::string& database,
                             const std::vector<std::pair<std::string, std::string>>& extra) {
  protocol::StartupMessage startup;
  startup.parameters = {{"user", user}, {"database", database}};
  for (const auto& p : extra)
    startup.parameters.push_back(p);
  protocol::Bytes bytes;
  protocol::encode(startup, bytes);
  return send(bytes);
}

bool RawClient::fill(std::chrono::milliseconds timeout) {
  pollfd pfd{fd_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return false;
  std::uint8_t chunk[65536];
  auto n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.insert(buffer_.end(), chunk, chunk + n);
  return true;
}

std::optional<RawMessage> RawClient::read_message(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto frame = protocol::next_frame(buffer_, std::size_t{1} << 30);
    if (frame.status == protocol::FrameStatus::kComplete) {
      RawMessage message{frame.frame.type,
                         protocol::Bytes(frame.frame.body.begin(), frame.frame.body.end())};
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<long>(frame.frame.size));
      return message;
    }
    if (frame.status == protocol::FrameStatus::kInvalid) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left)) return std::nullopt;
  }
}

std::optional<std::uint8_t> RawClient::read_byte(std::chrono::milliseconds timeout) {
  if (buffer_.empty() && !fill(timeout)) return std::nullopt;
  auto byte = buffer_.front();
  buffer_.erase(buffer_.begin());
  return byte;
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    fill(left);
  }
  return true;
}

std::string RawClient::read_until_closed(std::chrono::milliseconds timeout) {
  wait_closed(timeout);
  std::string text(buffer_.begin(), buffer_.end());
  buffer_.clear();
  return text;
}

std::string error_sqlstate(const protocol::Bytes& body) {
  auto decoded = protocol::decode_backend('E', body);
  if (!decoded) return "<bad error>";
  return std::string(std::get<protocol::ErrorResponse>(*decoded).fields.sqlstate());
}

std::string error_message(const protocol::Bytes& body) {
  auto decoded = protocol::decode_backend('E', body);
  if (!decoded) return "<bad error>";
  return std::string(std::get<protocol::ErrorResponse>(*decoded).fields.message());
}

std::string RawClient::read_until_ready_or_error(std::string* message,
                                                 std::chrono::milliseconds timeout) {
  for (;;) {
    auto m = read_message(timeout);
    if (!m) return eof_ ? "<closed>" : "<timeout>";
    if (m->type == 'E') {
      if (message) *message = error_message(m->body);
      return error_sqlstate(m->body);
    }
    if (m->type == 'Z') return "";
  }
}

std::string RawClient::login(const std::string& user, const std::string& database,
                             const std::string& password, std::string* message) {
  if (!send_startup(user, database)) return "<send failed>";
  return finish_login(user, password, message);
}

std::string RawClient::finish_login(const std::string& user, const std::string& password,
                                    std::string* message) {
  std::optional<auth::ScramClientExchange> scram;
  for (;;) {
    auto m = read_message();
    if (!m) return eof_ ? "<closed>" : "<timeout>";
    if (m->type == 'E') {
      if (message) *message = error_message(m->body);
      return error_sqlstate(m->body);
    }
    if (m->type == 'Z') return "";
    if (m->type == 'K') {
      auto key = protocol::decode_backend('K', m->body);
      if (!key) return "<bad key>";
      const auto& data = std::get<protocol::BackendKeyData>(*key);
      backend_key_ = std::pair{data.process_id, data.secret_key};
    }
    if (m->type != 'R') continue;
    auto decoded = protocol::decode_backend('R', m->body);
    if (!decoded) return "<bad auth>";
    protocol::Bytes reply;
    if (std::holds_alternative<protocol::AuthenticationCleartextPassword>(*decoded)) {
      protocol::encode(protocol::PasswordMessage{password}, reply);
    } else if (auto* md5 = std::get_if<protocol::AuthenticationMd5Password>(&*decoded)) {
      auto secret = auth::md5_password_secret(user, password);
      auto response = auth::md5_salted_response(secret, md5->salt);
      protocol::encode(protocol::PasswordMessage{response}, reply);
    } else if (std::holds_alternative<protocol::AuthenticationSasl>(*decoded)) {
      scram.emplace(auth::ScramClientExchange::with_password(password, SecureRandom::instance()));
      auto first = scram->client_first_message();
      protocol::encode(protocol::SaslInitialResponse{"SCRAM-SHA-256", as_bytes(first)}, reply);
    } else if (auto* cont = std::get_if<protocol::AuthenticationSaslContinue>(&*decoded)) {
      auto final_message = scram->on_server_first(as_string_view(cont->data));
      if (!final_message) return "<scram: " + final_message.error().message + ">";
      protocol::encode(protocol::SaslResponse{as_bytes(*final_message)}, reply);
    }
    if (!reply.empty() && !send(reply)) return "<send failed>";
  }
}

}  // namespace pgw::testing
