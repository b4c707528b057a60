#include "auth/md5.hpp"

#include <algorithm>

#include "auth/crypto.hpp"
#include "common/base64.hpp"

namespace pgw::auth {
namespace {

constexpr std::string_view kPrefix = "md5";
constexpr std::size_t kHexLength = 32;

}  // namespace

std::string md5_hex(std::span<const std::uint8_t> data) {
  return hex_encode(detail::md5(data));
}

bool is_md5_secret(std::string_view text) {
  if (text.size() != kPrefix.size() + kHexLength || !text.starts_with(kPrefix)) return false;
  return std::all_of(text.begin() + kPrefix.size(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string md5_password_secret(std::string_view user, std::string_view password) {
  std::string input(password);
  input += user;
  std::string out = std::string(kPrefix) + md5_hex(detail::as_bytes(input));
  detail::wipe(input);
  return out;
}

std::string md5_salted_response(std::string_view md5_secret, std::array<std::uint8_t, 4> salt) {
  if (!is_md5_secret(md5_secret)) return {};
  std::string input(md5_secret.substr(kPrefix.size()));
  input.append(salt.begin(), salt.end());
  return std::string(kPrefix) + md5_hex(detail::as_bytes(input));
}

bool md5_verify_response(std::string_view md5_secret, std::array<std::uint8_t, 4> salt,
                         std::string_view response) {
  if (!is_md5_secret(md5_secret)) return false;
  return detail::constant_time_equal(md5_salted_response(md5_secret, salt), response);
}

bool md5_verify_password(std::string_view md5_secret, std::string_view user,
                         std::string_view password) {
  if (!is_md5_secret(md5_secret)) return false;
  return detail::constant_time_equal(md5_password_secret(user, password), md5_secret);
}

}  // namespace pgw::auth
