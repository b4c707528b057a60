#pragma once
/// Why a SCRAM exchange failed.

#include <string>

namespace pgw::auth {

enum class ScramFailureKind {
  kMalformed,       ///< a message breaks the SCRAM syntax or the exchange order
  kWrongPassword,   ///< the proof (or the server's signature) does not verify; unknown users too
  kChannelBinding,  ///< channel-binding negotiation or check failed
  kUnsupported,     ///< a feature we do not offer: another mechanism, authzid, extensions
};

struct ScramFailure {
  ScramFailureKind kind = ScramFailureKind::kMalformed;
  /// For the server log; never contains secrets, and strings from the peer are sanitized.
  std::string message;
};

}  // namespace pgw::auth
