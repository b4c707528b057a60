#pragma once
/// The error of every decoder in this module.

#include <string>

namespace pgw::protocol {

/// A message that breaks the protocol. The connection it came from cannot be trusted any
/// more: the caller answers 08P01 (when it can) and closes it. `message` is short, names the
/// message type, and never contains message contents (they may hold secrets).
struct ProtocolError {
  std::string message;
};

}  // namespace pgw::protocol
