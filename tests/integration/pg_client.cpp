#include "pg_client.hpp"

#include "common/process.hpp"

namespace pgw::testing {
namespace {

/// Keeps the SQLSTATE of the last notice (tests of NoticeResponse relaying).
void capture_notice(void* arg, const PGresult* result) {
  auto* sqlstate = static_cast<std::string*>(arg);
  if (const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE)) *sqlstate = s;
}

}  // namespace

std::string QueryResult::value() const {
  if (rows.empty() || rows[0].empty() || !rows[0][0]) return "";
  return *rows[0][0];
}

QueryResult to_query_result(PGresult* result) {
  QueryResult out;
  auto status = PQresultStatus(result);
  out.ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY ||
           status == PGRES_COPY_IN || status == PGRES_COPY_OUT;
  if (!out.ok) {
    if (const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE)) out.sqlstate = s;
    if (const char* m = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) {
      out.error = m;
    } else {
      out.error = PQresultErrorMessage(result);
    }
  }
  if (const char* tag = PQcmdStatus(result)) out.command_tag = tag;
  for (int r = 0; r < PQntuples(result); ++r) {
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < PQnfields(result); ++c) {
      if (PQgetisnull(result, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(result, r, c), PQgetlength(result, r, c)));
      }
    }
    out.rows.push_back(std::move(row));
  }
  PQclear(result);
  return out;
}

PgConnection::PgConnection(const std::string& conninfo) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn_) == CONNECTION_OK) {
    PQsetNoticeReceiver(conn_, capture_notice, &last_notice_sqlstate_);
  }
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool PgConnection::ok() const {
  return PQstatus(conn_) == CONNECTION_OK;
}

std::string PgConnection::error() const {
  return PQerrorMessage(conn_);
}

QueryResult PgConnection::exec(const std::string& sql) {
  return to_query_result(PQexec(conn_, sql.c_str()));
}

QueryResult PgConnection::exec_params(const std::string& sql,
                                      const std::vector<std::optional<std::string>>& params,
                                      bool binary_params, bool binary_result) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const auto& p : params) {
    values.push_back(p ? p->data() : nullptr);
    lengths.push_back(p ? static_cast<int>(p->size()) : 0);
    formats.push_back(binary_params ? 1 : 0);
  }
  return to_query_result(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                                      values.data(), lengths.data(), formats.data(),
                                      binary_result ? 1 : 0));
}

int PgConnection::backend_pid() {
  return std::stoi(exec("SELECT pg_backend_pid()").value());
}

CommandOutput run_command(const std::vector<std::string>& argv,
                          const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout) {
  ProcessSpec spec;
  spec.argv = argv;
  spec.env = env;
  RunOptions options;
  options.timeout = timeout;
  options.output_limit = 1024 * 1024;
  auto result = run_process(spec, options);
  if (!result) return {-1, result.error().message};
  return {result->exit_code, result->output};
}

}  // namespace pgw::testing
