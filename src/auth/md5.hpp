#pragma once
/// PostgreSQL's md5 password scheme (protocol "AuthenticationMD5Password"). md5 is weak; it is
/// offered for compatibility only.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pgw::auth {

/// Lowercase hex MD5 digest of `data` (32 characters).
std::string md5_hex(std::span<const std::uint8_t> data);

/// Whether `text` is PostgreSQL's stored md5 form: "md5" followed by exactly 32 lowercase hex
/// digits (PostgreSQL's own test; anything else is a plain-text password to it).
bool is_md5_secret(std::string_view text);

/// The stored form: "md5" + md5hex(password + user), as CREATE ROLE with password_encryption=md5
/// stores it. No SASLprep: md5 hashes the raw bytes.
std::string md5_password_secret(std::string_view user, std::string_view password);

/// What a client answers to AuthenticationMD5Password: "md5" + md5hex(hex digits of the secret +
/// the 4 salt bytes). Precondition: is_md5_secret(md5_secret); otherwise returns "".
std::string md5_salted_response(std::string_view md5_secret, std::array<std::uint8_t, 4> salt);

/// Whether `response` (the client's PasswordMessage) matches, compared in constant time. False
/// when md5_secret is not an md5 secret.
bool md5_verify_response(std::string_view md5_secret, std::array<std::uint8_t, 4> salt,
                         std::string_view response);

/// Whether `password` is the plain text behind `md5_secret` for `user` (cleartext "password"
/// method against an md5 secret). Constant-time comparison.
bool md5_verify_password(std::string_view md5_secret, std::string_view user,
                         std::string_view password);

}  // namespace pgw::auth
