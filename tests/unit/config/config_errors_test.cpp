// One test per class of configuration error: each checks the exact text, i.e. the file, line,
// column, dotted key and what was expected.
#include <string>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config_test_util.hpp"

namespace pgw::config {
namespace {

using testing::error_of;
using testing::TempDir;
using testing::with_minimal;

const std::string kAt = "/etc/pgwarden/pgwarden.toml:";

// Lines 1-4 are [auth] and the [[backends]] header; `backend_lines` start at line 5.
std::string one_backend(std::string_view backend_lines) {
  return "[auth]\nhba_file = \"h\"\npasswords_file = \"p\"\n[[backends]]\n" +
         std::string(backend_lines);
}

TEST(ConfigErrors, WrongType) {
  EXPECT_EQ(error_of(with_minimal("[pool]\npool_size = \"20\"\n")),
            kAt + "2:13: pool.pool_size: expected an integer from 1 to 10000, got \"20\"");
  EXPECT_EQ(error_of(with_minimal("[pool]\npool_size = 20.5\n")),
            kAt + "2:13: pool.pool_size: expected an integer from 1 to 10000, got 20.5");
  EXPECT_EQ(error_of(with_minimal("[pool]\nreset_query = 5\n")),
            kAt + "2:15: pool.reset_query: expected a string, got 5");
  EXPECT_EQ(error_of(with_minimal("[log]\nlog_sessions = \"yes\"\n")),
            kAt + "2:16: log.log_sessions: expected true or false, got \"yes\"");
  EXPECT_EQ(error_of(with_minimal("pool = 5\n")), kAt + "1:8: pool: expected a table, got 5");
}

TEST(ConfigErrors, OutOfRange) {
  EXPECT_EQ(error_of(with_minimal("[listen]\nport = 0\n")),
            kAt + "2:8: listen.port: expected an integer from 1 to 65535, got 0");
  EXPECT_EQ(error_of(with_minimal("workers = 300\n")),
            kAt + "1:11: workers: expected an integer from 0 to 256, got 300");
  EXPECT_EQ(error_of(one_backend("name = \"a\"\nhost = \"h\"\nweight = -1\n")),
            kAt + "7:10: backends[0].weight: expected an integer from 0 to 1000000, got -1");
}

TEST(ConfigErrors, UnknownKeyWithSuggestion) {
  EXPECT_EQ(error_of(with_minimal("[listen]\nprot = 6432\n")),
            kAt + "2:1: listen.prot: unknown key (did you mean \"port\"?)");
  EXPECT_EQ(error_of(with_minimal("worker = 2\n")),
            kAt + "1:1: worker: unknown key (did you mean \"workers\"?)");
}

TEST(ConfigErrors, UnknownKeyWithoutSuggestion) {
  EXPECT_EQ(error_of(with_minimal("[pool]\ncolour = \"blue\"\n")),
            kAt + "2:1: pool.colour: unknown key");
}

TEST(ConfigErrors, UnknownTable) {
  EXPECT_EQ(error_of(with_minimal("[pol]\npool_size = 3\n")),
            kAt + "1:2: pol: unknown table (did you mean \"pool\"?)");
  EXPECT_EQ(error_of(with_minimal("[pool.extra]\nx = 1\n")),
            kAt + "1:7: pool.extra: unknown table");
}

TEST(ConfigErrors, UnknownKeyIsReportedBeforeTheRequiredKeyItFailedToSet) {
  // The misspelt "hots" (line 9) leaves backends[1] without a host (its table is at line 7).
  const std::string text =
      one_backend("name = \"a\"\nhost = \"h1\"\n[[backends]]\nname = \"b\"\nhots = \"h2\"\n");
  EXPECT_EQ(error_of(text), kAt + "9:1: backends[1].hots: unknown key (did you mean \"host\"?)");
}

TEST(ConfigErrors, UnknownKeyIsReportedBeforeEarlierErrorsFoundFirst) {
  // [pool] (line 2) is read, and its error found, before [log] (line 4).
  EXPECT_EQ(error_of(with_minimal("[pool]\npool_size = 0\n[log]\nlevle = \"info\"\n")),
            kAt + "4:1: log.levle: unknown key (did you mean \"level\"?)");
}

TEST(ConfigErrors, FirstErrorInFileOrderIsReported) {
  // [listen] is read before [pool], but the pool error comes first in the file.
  EXPECT_EQ(error_of(with_minimal("[pool]\npool_size = 0\n[listen]\nport = 0\n")),
            kAt + "2:13: pool.pool_size: expected an integer from 1 to 10000, got 0");
}

TEST(ConfigErrors, BadDuration) {
  const std::string expected =
      "expected a duration: a string with a unit: ms, s, min or h (e.g. \"30s\"), got ";
  EXPECT_EQ(error_of(with_minimal("[pool]\npool_wait_timeout = \"30\"\n")),
            kAt + "2:21: pool.pool_wait_timeout: " + expected + "\"30\"");
  EXPECT_EQ(error_of(with_minimal("[pool]\nserver_lifetime = 3600\n")),
            kAt + "2:19: pool.server_lifetime: " + expected + "3600");
  EXPECT_EQ(error_of(with_minimal("[pool]\nserver_connect_timeout = \"0s\"\n")),
            kAt +
                "2:26: pool.server_connect_timeout: expected a duration from 1ms to 720h, "
                "got \"0s\"");
  EXPECT_EQ(error_of(with_minimal("[limits]\nshutdown_timeout = \"721h\"\n")),
            kAt +
                "2:20: limits.shutdown_timeout: expected a duration from 0ms to 720h, "
                "got \"721h\"");
}

TEST(ConfigErrors, BadSize) {
  EXPECT_EQ(error_of(with_minimal("[limits]\nmax_message_size = \"1TB\"\n")),
            kAt +
                "2:20: limits.max_message_size: expected a size: an integer number of bytes or a "
                "string with a unit: B, kB, MB or GB (e.g. \"16MB\"), got \"1TB\"");
  EXPECT_EQ(error_of(with_minimal("[limits]\nmax_message_size = \"2GB\"\n")),
            kAt + "2:20: limits.max_message_size: expected a size from 1kB to 1GB, got \"2GB\"");
  EXPECT_EQ(error_of(with_minimal("[limits]\nmax_startup_packet_size = 8\n")),
            kAt + "2:27: limits.max_startup_packet_size: expected a size from 64B to 64kB, got 8");
}

TEST(ConfigErrors, DuplicateBackendName) {
  const std::string text =
      one_backend("name = \"pg1\"\nhost = \"a\"\n[[backends]]\nname = \"pg1\"\nhost = \"b\"\n");
  EXPECT_EQ(error_of(text), kAt +
                                "8:8: backends[1].name: duplicate name \"pg1\", already used by "
                                "backends[0] at line 4");
}

TEST(ConfigErrors, DuplicateHostAndPort) {
  const std::string text = one_backend(
      "name = \"a\"\nhost = \"db1\"\nport = 5432\n[[backends]]\nname = \"b\"\nhost = \"DB1\"\n");
  EXPECT_EQ(error_of(text), kAt +
                                "10:8: backends[1].host: same host and port as backends[0] "
                                "(\"a\"): host \"DB1\", port 5432");
  const std::string other_port = one_backend(
      "name = \"a\"\nhost = \"db1\"\n[[backends]]\nname = \"b\"\nhost = \"db1\"\nport = 5433\n");
  EXPECT_EQ(error_of(other_port), "no error");
}

TEST(ConfigErrors, MissingRequiredKeyPointsAtItsTable) {
  EXPECT_EQ(error_of("[auth]\nhba_file = \"h\"\n[[backends]]\nname = \"a\"\nhost = \"h\"\n"),
            kAt + "1:1: auth.passwords_file: required key is missing");
  EXPECT_EQ(error_of(one_backend("host = \"h\"\n")),
            kAt + "4:1: backends[0].name: required key is missing");
}

TEST(ConfigErrors, MissingRequiredKeyOfAnAbsentTableHasNoLine) {
  EXPECT_EQ(error_of("[[backends]]\nname = \"a\"\nhost = \"h\"\n"),
            "/etc/pgwarden/pgwarden.toml: auth.hba_file: required key is missing");
}

TEST(ConfigErrors, RequiredKeyMustNotBeEmpty) {
  EXPECT_EQ(error_of("[auth]\nhba_file = \"\"\npasswords_file = \"p\"\n"
                     "[[backends]]\nname = \"a\"\nhost = \"h\"\n"),
            kAt + "2:12: auth.hba_file: must not be empty");
}

TEST(ConfigErrors, NoBackends) {
  EXPECT_EQ(error_of("[auth]\nhba_file = \"h\"\npasswords_file = \"p\"\n"),
            "/etc/pgwarden/pgwarden.toml: backends: at least one [[backends]] table is required");
  EXPECT_EQ(error_of("backends = []\n[auth]\nhba_file = \"h\"\npasswords_file = \"p\"\n"),
            kAt + "1:12: backends: at least one [[backends]] table is required");
  EXPECT_EQ(
      error_of("[auth]\nhba_file = \"h\"\npasswords_file = \"p\"\n[backends]\nname = \"a\"\n"),
      kAt + "4:1: backends: expected an array of tables ([[backends]]), got a table");
  EXPECT_EQ(error_of("backends = [1]\n[auth]\nhba_file = \"h\"\npasswords_file = \"p\"\n"),
            kAt + "1:13: backends[0]: expected a table, got 1");
}

TEST(ConfigErrors, BadListenAddresses) {
  EXPECT_EQ(error_of(with_minimal("[listen]\naddresses = [\"127.0.0.1\", \"localhost\"]\n")),
            kAt + "2:27: listen.addresses[1]: expected an IP address or \"*\", got \"localhost\"");
  EXPECT_EQ(error_of(with_minimal("[listen]\naddresses = [\"*\", \"::1\"]\n")),
            kAt +
                "2:14: listen.addresses[0]: \"*\" already means every address: it must be the "
                "only one");
  EXPECT_EQ(error_of(with_minimal("[listen]\naddresses = \"127.0.0.1\"\n")),
            kAt + "2:13: listen.addresses: expected an array of strings, got \"127.0.0.1\"");
  EXPECT_EQ(error_of(with_minimal("[listen]\naddresses = []\nunix_socket_dir = \"\"\n")),
            kAt +
                "2:13: listen.addresses: nothing to listen on: no address and no "
                "unix_socket_dir");
}

TEST(ConfigErrors, BadUnixSocket) {
  EXPECT_EQ(error_of(with_minimal("[listen]\nunix_socket_mode = 777\n")),
            kAt +
                "2:20: listen.unix_socket_mode: expected permissions as an octal string such "
                "as \"0777\", got 777");
  EXPECT_EQ(error_of(with_minimal("[listen]\nunix_socket_mode = \"0789\"\n")),
            kAt +
                "2:20: listen.unix_socket_mode: expected permissions as an octal string such "
                "as \"0777\", got \"0789\"");
  const std::string long_dir = "/" + std::string(92, 'd');
  EXPECT_EQ(error_of(with_minimal("[listen]\nunix_socket_dir = \"" + long_dir + "\"\n")),
            kAt +
                "2:19: listen.unix_socket_dir: too long for a unix socket: at most 92 bytes, "
                "this one is 93");
}

TEST(ConfigErrors, UnsupportedOrUnknownChoices) {
  EXPECT_EQ(error_of(with_minimal("[pool]\nmode = \"transaction\"\n")),
            kAt + "2:8: pool.mode: transaction pooling is not supported yet; use \"session\"");
  EXPECT_EQ(error_of(with_minimal("[pool]\nmode = \"statement\"\n")),
            kAt + "2:8: pool.mode: expected one of \"session\", got \"statement\"");
  EXPECT_EQ(error_of(with_minimal("[log]\nlevel = \"verbose\"\n")),
            kAt +
                "2:9: log.level: expected one of \"debug\", \"info\", \"warning\", \"error\", "
                "got \"verbose\"");
}

TEST(ConfigErrors, BadBackendNameHostAndAgent) {
  EXPECT_EQ(error_of(one_backend("name = \"pg 1\"\nhost = \"h\"\n")),
            kAt +
                "5:8: backends[0].name: expected 1 to 63 letters, digits, '_', '.' or '-', "
                "got \"pg 1\"");
  EXPECT_EQ(error_of(one_backend("name = \"a\"\nhost = \"db host\"\n")),
            kAt +
                "6:8: backends[0].host: expected a host name, an IP address or a unix socket "
                "directory starting with '/', got \"db host\"");
  EXPECT_EQ(error_of(one_backend("name = \"a\"\nhost = \"h\"\nagent = \"db1\"\n")),
            kAt +
                "7:9: backends[0].agent: expected \"host:port\" (\"[address]:port\" for IPv6) "
                "with a port from 1 to 65535, got \"db1\"");
}

TEST(ConfigErrors, TomlSyntaxErrorCarriesTomlsMessageAndPosition) {
  const std::string error = error_of("workers = 1\n[pool]\npool_size = \n");
  EXPECT_EQ(error.rfind(kAt + "3:", 0), 0u) << error;
  EXPECT_NE(error.find("Error while parsing"), std::string::npos) << error;
  EXPECT_EQ(error_of("workers = 1\nworkers = 2\n"),
            kAt +
                "2:11: Error while parsing key-value pair: cannot redefine existing integer "
                "'workers'");
}

TEST(ConfigErrors, UnreadableFile) {
  TempDir dir;
  const std::string missing = (dir.path() / "absent.toml").string();
  auto absent = load_config(missing);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().to_string(), missing + ": cannot open: No such file or directory");
  auto directory = load_config(dir.path().string());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().to_string(), dir.path().string() + ": cannot read: Is a directory");
}

TEST(ConfigErrors, ErrorsInTheFileNameTheFileGivenToLoadConfig) {
  TempDir dir;
  const std::string path = dir.write("bad.toml", "[listen]\nport = 70000\n");
  auto result = load_config(path);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().file, path);
  EXPECT_EQ(result.error().line, 2);
  EXPECT_EQ(result.error().column, 8);
  EXPECT_EQ(result.error().key, "listen.port");
}

TEST(ConfigErrors, NothingEscapesFromMalformedInput) {
  const std::string inputs[] = {std::string("\xff\xfe\x00garbage", 10), std::string(100'000, '['),
                                "a = " + std::string(5000, '[') + std::string(5000, ']'),
                                "x = \"\\u0000\"", "[[a]]\n[a]"};
  for (const std::string& input : inputs) {
    EXPECT_NO_THROW({
      auto result = parse_config(input, "fuzz");
      EXPECT_FALSE(result);
    });
  }
}

TEST(ConfigError, ToStringOmitsTheUnknownParts) {
  EXPECT_EQ((ConfigError{"f.toml", 3, 7, "pool.mode", "bad"}).to_string(),
            "f.toml:3:7: pool.mode: bad");
  EXPECT_EQ((ConfigError{"f.toml", 3, 0, "pool.mode", "bad"}).to_string(),
            "f.toml:3: pool.mode: bad");
  EXPECT_EQ((ConfigError{"f.toml", 0, 0, "", "bad"}).to_string(), "f.toml: bad");
  EXPECT_EQ((ConfigError{"", 0, 0, "workers", "bad"}).to_string(), "workers: bad");
}

}  // namespace
}  // namespace pgw::config
