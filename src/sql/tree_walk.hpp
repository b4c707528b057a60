#pragma once
/// Generic, non-recursive walks over libpg_query's protobuf trees, driven by protobuf-c's
/// descriptors so that no node type can be missed (internal to src/sql).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <protobuf-c/protobuf-c.h>

namespace pgw::sql::detail {

/// The nesting depth of messages in `encoded`, a serialized message of type `root` (the root
/// counts 1), found by reading the wire format with an explicit stack. Returns limit + 1 as
/// soon as the depth exceeds `limit`, and also for malformed input.
std::size_t encoded_depth(std::span<const std::uint8_t> encoded,
                          const ProtobufCMessageDescriptor& root, std::size_t limit);

/// Appends every message directly inside `message` (set sub-messages, elements of repeated
/// message fields, the active member of a oneof) to `out`.
void append_children(const ProtobufCMessage& message, std::vector<const ProtobufCMessage*>& out);

}  // namespace pgw::sql::detail
