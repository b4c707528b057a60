#pragma once
// Helpers of tls_test.cpp and security_test.cpp for clients of pgwarden over TLS: certificates
// written to files, the [tls] keys of ProxySettings, and the verbose error of a libpq login
// (libpq keeps the SQLSTATE of a failed login to itself except in verbose error messages,
// "FATAL:  28000: ...").

#include <utility>

#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <poll.h>

#include "testbed/certificates.hpp"

namespace pgw::testing {

/// Writes a certificate of `ca` for `request` as DIR/<name>.crt and .key (DIR/ca.crt too).
inline testbed::TlsFiles issue_tls_files(const testbed::CertificateAuthority& ca,
                                         const testbed::CertificateRequest& request,
                                         const std::string& dir, const std::string& name) {
  auto certificate = ca.issue(request);
  if (!certificate) {
    ADD_FAILURE() << certificate.error().message;
    return {};
  }
  auto files = testbed::write_tls_files(ca, *certificate, dir, name, testbed::Owner{});
  if (!files) {
    ADD_FAILURE() << files.error().message;
    return {};
  }
  return *files;
}

/// A [tls] key for ProxySettings: the test bed writes no [tls] table, so the keys go to the top
/// level as dotted keys ("tls.cert_file = ...").
inline std::pair<std::string, std::string> tls_setting(const std::string& key,
                                                       const std::string& value) {
  return {"", "tls." + key + " = \"" + value + "\""};
}

/// A libpq connection made with verbose errors: the connection (the caller PQfinish()es it), or
/// nullptr with the error in `error` in verbose form ("FATAL:  28000: message"), which carries
/// the SQLSTATE that PQconnectdb's message leaves out.
inline PGconn* connect_verbose(const std::string& conninfo, std::string* error) {
  PGconn* conn = PQconnectStart(conninfo.c_str());
  if (conn == nullptr) {
    *error = "<out of memory>";
    return nullptr;
  }
  PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED &&
         PQstatus(conn) != CONNECTION_BAD) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      PQfinish(conn);
      *error = "<timed out>";
      return nullptr;
    }
    pollfd pfd{PQsocket(conn),
               static_cast<short>(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    ::poll(&pfd, 1, static_cast<int>(left.count()));
    status = PQconnectPoll(conn);
  }
  if (PQstatus(conn) == CONNECTION_OK && status == PGRES_POLLING_OK) return conn;
  *error = PQstatus(conn) == CONNECTION_OK ? "<failed without a message>" : PQerrorMessage(conn);
  if (error->empty()) *error = "<failed without a message>";
  PQfinish(conn);
  return nullptr;
}

/// The error of a libpq connection attempt in verbose form (see connect_verbose()); "" when it
/// connected.
inline std::string connect_error(const std::string& conninfo) {
  std::string error;
  PGconn* conn = connect_verbose(conninfo, &error);
  if (conn == nullptr) return error;
  PQfinish(conn);
  return "";
}

}  // namespace pgw::testing
