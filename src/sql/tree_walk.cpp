#include "sql/tree_walk.hpp"

#include <cstring>

namespace pgw::sql::detail {

namespace {

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

bool read_varint(std::span<const std::uint8_t> bytes, std::size_t& pos, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && pos < bytes.size(); shift += 7) {
    const std::uint8_t byte = bytes[pos++];
    value |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) return true;
  }
  return false;
}

template <class T>
T read_at(const ProtobufCMessage& message, unsigned offset) {
  T value;
  // T may be a pointer: sizeof gives the pointer's size on purpose.
  std::memcpy(&value, reinterpret_cast<const char*>(&message) + offset,
              sizeof value);  // NOLINT(bugprone-sizeof-expression)
  return value;
}

struct Frame {
  const ProtobufCMessageDescriptor* descriptor;
  std::size_t end;
};

}  // namespace

std::size_t encoded_depth(std::span<const std::uint8_t> encoded,
                          const ProtobufCMessageDescriptor& root, std::size_t limit) {
  const std::size_t too_deep = limit + 1;
  std::vector<Frame> stack{{&root, encoded.size()}};
  std::size_t deepest = 1;
  std::size_t pos = 0;
  while (!stack.empty()) {
    if (pos >= stack.back().end) {
      if (pos > stack.back().end) return too_deep;  // a field ran past its message
      stack.pop_back();
      continue;
    }
    std::uint64_t tag = 0;
    std::uint64_t length = 0;
    if (!read_varint(encoded, pos, tag)) return too_deep;
    switch (static_cast<std::uint32_t>(tag & 7)) {
      case kVarint:
        if (!read_varint(encoded, pos, length)) return too_deep;
        break;
      case kFixed64:
        pos += 8;
        break;
      case kFixed32:
        pos += 4;
        break;
      case kLengthDelimited: {
        if (!read_varint(encoded, pos, length) || length > stack.back().end - pos) {
          return too_deep;
        }
        const auto* field = protobuf_c_message_descriptor_get_field(
            stack.back().descriptor, static_cast<unsigned>(tag >> 3));
        if (field == nullptr || field->type != PROTOBUF_C_TYPE_MESSAGE) {
          pos += length;  // a string, bytes, a packed array or an unknown field
          break;
        }
        stack.push_back(
            {static_cast<const ProtobufCMessageDescriptor*>(field->descriptor), pos + length});
        deepest = std::max(deepest, stack.size());
        if (deepest > limit) return too_deep;
        break;
      }
      default:
        return too_deep;  // groups: libpg_query never writes them
    }
  }
  return deepest;
}

namespace {

void append_oneof_child(const ProtobufCMessage& message, const ProtobufCFieldDescriptor& field,
                        std::vector<const ProtobufCMessage*>& out) {
  // Every member of a oneof shares one offset; the case field names the active one.
  const auto active = read_at<std::uint32_t>(message, field.quantifier_offset);
  const auto* member = protobuf_c_message_descriptor_get_field(message.descriptor, active);
  if (member != nullptr && member->type == PROTOBUF_C_TYPE_MESSAGE) {
    const auto* child = read_at<const ProtobufCMessage*>(message, member->offset);
    if (child != nullptr) out.push_back(child);
  }
}

bool is_single_oneof(const ProtobufCMessageDescriptor& descriptor) {
  if (descriptor.n_fields == 0) return false;
  const auto& first = descriptor.fields[0];
  const auto& last = descriptor.fields[descriptor.n_fields - 1];
  return (first.flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0 &&
         (last.flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0 &&
         first.quantifier_offset == last.quantifier_offset;
}

}  // namespace

void append_children(const ProtobufCMessage& message, std::vector<const ProtobufCMessage*>& out) {
  const ProtobufCMessageDescriptor& descriptor = *message.descriptor;
  // Node is one oneof of 240 members: answer it without looking at each member.
  if (is_single_oneof(descriptor)) {
    append_oneof_child(message, descriptor.fields[0], out);
    return;
  }
  for (unsigned i = 0; i < descriptor.n_fields; ++i) {
    const ProtobufCFieldDescriptor& field = descriptor.fields[i];
    if (field.type != PROTOBUF_C_TYPE_MESSAGE) continue;
    if ((field.flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0) {
      append_oneof_child(message, field, out);
      // Skip the other members of this oneof (they are declared together).
      while (i + 1 < descriptor.n_fields &&
             (descriptor.fields[i + 1].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0 &&
             descriptor.fields[i + 1].quantifier_offset == field.quantifier_offset) {
        ++i;
      }
      continue;
    }
    if (field.label == PROTOBUF_C_LABEL_REPEATED) {
      const auto count = read_at<std::size_t>(message, field.quantifier_offset);
      const auto* const* items = read_at<ProtobufCMessage* const*>(message, field.offset);
      for (std::size_t k = 0; k < count; ++k) {
        if (items[k] != nullptr) out.push_back(items[k]);
      }
      continue;
    }
    const auto* child = read_at<const ProtobufCMessage*>(message, field.offset);
    if (child != nullptr) out.push_back(child);
  }
}

}  // namespace pgw::sql::detail
