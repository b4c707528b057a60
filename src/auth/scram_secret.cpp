#include "auth/scram_secret.hpp"

#include <charconv>

#include "auth/saslprep.hpp"
#include "common/base64.hpp"

namespace pgw::auth {
namespace {

constexpr std::string_view kScheme = "SCRAM-SHA-256";

std::optional<std::uint32_t> parse_iterations(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < 1 || value > kScramMaxStoredIterations) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

std::optional<Key32> decode_key(std::string_view text) {
  auto bytes = base64_decode(text);
  if (!bytes || bytes->size() != Key32{}.size()) return std::nullopt;
  Key32 key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

// Splits `text` at the first `sep`; nullopt when absent.
std::optional<std::pair<std::string_view, std::string_view>> split(std::string_view text,
                                                                   char sep) {
  auto pos = text.find(sep);
  if (pos == std::string_view::npos) return std::nullopt;
  return std::pair{text.substr(0, pos), text.substr(pos + 1)};
}

}  // namespace

namespace detail {
Key32 scram_client_key(const Key32& salted_password) {
  return hmac_sha256(salted_password, "Client Key");
}
Key32 scram_server_key(const Key32& salted_password) {
  return hmac_sha256(salted_password, "Server Key");
}
}  // namespace detail

std::optional<ScramSecret> ScramSecret::parse(std::string_view text) {
  auto scheme = split(text, '$');
  if (!scheme || scheme->first != kScheme) return std::nullopt;
  auto params = split(scheme->second, '$');
  if (!params) return std::nullopt;
  auto iter_salt = split(params->first, ':');
  auto keys = split(params->second, ':');
  if (!iter_salt || !keys) return std::nullopt;
  auto iterations = parse_iterations(iter_salt->first);
  auto salt = base64_decode(iter_salt->second);
  auto stored = decode_key(keys->first);
  auto server = decode_key(keys->second);
  if (!iterations || !salt || salt->empty() || !stored || !server) return std::nullopt;
  return ScramSecret{*iterations, std::move(*salt), *stored, *server};
}

std::string ScramSecret::to_string() const {
  return std::string(kScheme) + "$" + std::to_string(iterations) + ":" + base64_encode(salt) + "$" +
         base64_encode(stored_key) + ":" + base64_encode(server_key);
}

ScramSecret ScramSecret::from_password(std::string_view password,
                                       std::span<const std::uint8_t> salt,
                                       std::uint32_t iterations) {
  auto prepared = saslprep(password);
  Key32 salted = detail::pbkdf2_sha256(prepared.password, salt, iterations);
  detail::wipe(prepared.password);
  ScramSecret secret;
  secret.iterations = iterations;
  secret.salt.assign(salt.begin(), salt.end());
  secret.stored_key = detail::sha256(detail::scram_client_key(salted));
  secret.server_key = detail::scram_server_key(salted);
  detail::wipe(salted);
  return secret;
}

ScramSecret ScramSecret::generate(std::string_view password, RandomSource& random,
                                  std::uint32_t iterations) {
  std::vector<std::uint8_t> salt(kScramDefaultSaltLength);
  random.fill(salt);
  return from_password(password, salt, iterations);
}

bool ScramSecret::verify_plain_password(std::string_view password) const {
  auto candidate = from_password(password, salt, iterations);
  return detail::constant_time_equal(candidate.server_key, server_key);
}

}  // namespace pgw::auth
