#pragma once
/// WAL positions (pg_lsn) in PostgreSQL's text form "16/B374D848": the high and low 32 bits in
/// hexadecimal, 1 to 8 digits each.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgw::cluster {

/// std::nullopt unless `text` is exactly HEX/HEX with 1..8 digits on each side (either case).
std::optional<std::uint64_t> parse_lsn(std::string_view text);

/// Upper-case hexadecimal without leading zeros, as PostgreSQL prints it ("0/0", "16/B374D848").
std::string format_lsn(std::uint64_t lsn);

}  // namespace pgw::cluster
