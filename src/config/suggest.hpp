#pragma once
/// "Did you mean ...?" for misspelt configuration keys.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pgw::config {

/// Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions
/// of adjacent characters each cost 1, so "prot" is 1 away from "port".
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, when it is close enough to be a plausible typo (at most 1
/// edit for words of up to 3 characters, 2 up to 8, 3 beyond); the first one wins a tie.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

}  // namespace pgw::config
