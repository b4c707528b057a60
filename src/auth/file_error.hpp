#pragma once
/// Errors in configuration files (passwords file, hba file), and reading such files.

#include <string>

#include "common/result.hpp"

namespace pgw::auth {

struct FileError {
  std::string file;
  int line = 0;  ///< 1-based; 0 when the error concerns the whole file
  std::string message;
  /// "file:line: message", or "file: message" when line is 0.
  std::string to_string() const;
};

/// The whole content of the file at `path`. With `require_private`, refuses a file that group
/// or others may read or write (mode & 077), with a message giving the mode and the chmod fix;
/// the mode is checked on the opened file (no race with a rename).
Expected<std::string, FileError> read_config_file(const std::string& path, bool require_private);

}  // namespace pgw::auth
