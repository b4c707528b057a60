#include "auth/passwords.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "pg_vectors.hpp"

namespace pgw::auth {
namespace {

const std::string kScram(testing::kPgScram[0].secret);
const std::string kMd5(testing::kPgMd5[0].secret);

Expected<PasswordsFile, FileError> parse(std::string_view text) {
  return PasswordsFile::parse(text, "userlist.txt");
}

TEST(PasswordsFile, ParsesEveryLineForm) {
  const std::string text =
      "; PgBouncer-style comment\n"
      "# hash comment\n"
      "\n"
      "   \t\n"
      "  ;indented comment\n"
      "\"alice\" \"" +
      kScram +
      "\"\n"
      "\"bob\"\t\"" +
      kMd5 +
      "\"   \n"
      "  \"carol\"   \"plain pass\"\r\n"
      "\"quo\"\"te\" \"pa\"\"ss\"\"\"\n"
      "\"dave\" \"md5" +
      std::string(32, 'A') + "\"";  // no final newline
  auto file = parse(text);
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->size(), 5u);

  const UserSecret* alice = file->find("alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->kind, SecretKind::kScramSha256);
  EXPECT_EQ(alice->text, kScram);
  ASSERT_TRUE(alice->scram);
  EXPECT_EQ(alice->scram->to_string(), kScram);

  const UserSecret* bob = file->find("bob");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->kind, SecretKind::kMd5);
  EXPECT_EQ(bob->text, kMd5);
  EXPECT_FALSE(bob->scram);

  const UserSecret* carol = file->find("carol");
  ASSERT_NE(carol, nullptr);
  EXPECT_EQ(carol->kind, SecretKind::kPlain);
  EXPECT_EQ(carol->text, "plain pass");

  const UserSecret* quoted = file->find("quo\"te");
  ASSERT_NE(quoted, nullptr);
  EXPECT_EQ(quoted->text, "pa\"ss\"");

  const UserSecret* dave = file->find("dave");
  ASSERT_NE(dave, nullptr);
  EXPECT_EQ(dave->kind, SecretKind::kPlain);  // uppercase hex is not an md5 secret to PostgreSQL

  EXPECT_EQ(file->find("Alice"), nullptr);
  EXPECT_EQ(file->find("nobody"), nullptr);
}

TEST(PasswordsFile, EmptyFileIsValid) {
  auto file = parse("");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->size(), 0u);
}

struct BadLine {
  std::string text;
  int line;
  std::string_view message;
};

TEST(PasswordsFile, ErrorsNameTheLine) {
  const BadLine cases[] = {
      {"alice \"pw\"\n", 1, "expected a double-quoted user name"},
      {"\n\"alice\" pw\n", 2, "expected a double-quoted secret"},
      {"\"alice\"\n", 1, "expected a double-quoted secret"},
      {"\"alice\"\"pw\"\n", 1, "expected a double-quoted secret"},  // "" is a quote in the name
      {"\"alice\"x \"pw\"\n", 1, "expected blanks after the user name"},
      {"\"alice\" \"pw\" extra\n", 1, "unexpected text after the secret"},
      {"\"alice\" \"pw\" # comment\n", 1, "unexpected text after the secret"},
      {"\"alice \"pw\"\n", 1, "expected blanks after the user name"},
      {"\"alice\" \"pw\n", 1, "unterminated quoted string"},
      {"\"alice\n", 1, "unterminated quoted string"},
      {"\"\" \"pw\"\n", 1, "empty user name"},
      {"\"alice\" \"\"\n", 1, "empty secret for user \"alice\""},
      {"\"a\" \"x\"\n; c\n\"a\" \"y\"\n", 3, "duplicate entry for user \"a\" (first on line 1)"},
      {"\"alice\" \"SCRAM-SHA-256$4096:bad\"\n", 1, "malformed SCRAM secret for user \"alice\""},
  };
  for (const auto& c : cases) {
    auto file = parse(c.text);
    ASSERT_FALSE(file) << c.text;
    EXPECT_EQ(file.error().file, "userlist.txt");
    EXPECT_EQ(file.error().line, c.line) << c.text;
    EXPECT_NE(file.error().message.find(c.message), std::string::npos)
        << c.text << " -> " << file.error().message;
    EXPECT_EQ(file.error().to_string(),
              "userlist.txt:" + std::to_string(c.line) + ": " + file.error().message);
  }
}

TEST(PasswordsFile, ClassifySecret) {
  EXPECT_EQ(classify_secret(kScram)->kind, SecretKind::kScramSha256);
  EXPECT_EQ(classify_secret(kMd5)->kind, SecretKind::kMd5);
  EXPECT_EQ(classify_secret("md5")->kind, SecretKind::kPlain);
  EXPECT_EQ(classify_secret("SCRAM-SHA-1$x")->kind, SecretKind::kPlain);
  EXPECT_FALSE(classify_secret("SCRAM-SHA-256$nope"));
  EXPECT_FALSE(classify_secret(""));
}

class PasswordsFileOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pgw_auth_passwords_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(std::string_view name, std::string_view content, mode_t mode) {
    std::string path = dir_ + "/" + std::string(name);
    std::ofstream(path) << content;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  std::string dir_;
};

TEST_F(PasswordsFileOnDisk, LoadsAPrivateFile) {
  auto path = write("userlist.txt", "\"alice\" \"" + kScram + "\"\n", 0600);
  auto file = PasswordsFile::load(path);
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_NE(file->find("alice"), nullptr);
  EXPECT_TRUE(PasswordsFile::load(write("ro.txt", "", 0400)));
}

TEST_F(PasswordsFileOnDisk, RefusesAFileOthersCanRead) {
  for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0666}) {
    auto path = write("userlist_" + std::to_string(mode) + ".txt", "\"a\" \"b\"\n", mode);
    auto file = PasswordsFile::load(path);
    ASSERT_FALSE(file) << std::oct << mode;
    EXPECT_EQ(file.error().line, 0);
    const std::string& message = file.error().message;
    EXPECT_NE(message.find("group or others"), std::string::npos) << message;
    EXPECT_NE(message.find("chmod 600 " + path), std::string::npos) << message;
    char mode_text[8];
    std::snprintf(mode_text, sizeof mode_text, "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(message.find(mode_text), std::string::npos) << message;
  }
}

TEST_F(PasswordsFileOnDisk, ReportsMissingFileAndBadLines) {
  auto missing = PasswordsFile::load(dir_ + "/absent.txt");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
  auto path = write("bad.txt", "\"a\" \"b\"\ngarbage\n", 0600);
  auto bad = PasswordsFile::load(path);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().to_string(), path + ":2: expected a double-quoted user name");
  auto directory = PasswordsFile::load(dir_);
  ASSERT_FALSE(directory);
}

TEST(UpsertPasswordEntry, ReplacesInPlaceAndKeepsEverythingElse) {
  const std::string text = "; users\n\"alice\" \"old\"\n# keep me\n\"bob\" \"x\"\n";
  EXPECT_EQ(upsert_password_entry(text, "alice", "new"),
            "; users\n\"alice\" \"new\"\n# keep me\n\"bob\" \"x\"\n");
}

TEST(UpsertPasswordEntry, AppendsANewUser) {
  EXPECT_EQ(upsert_password_entry("\"a\" \"b\"\n", "carol", "s"), "\"a\" \"b\"\n\"carol\" \"s\"\n");
  EXPECT_EQ(upsert_password_entry("\"a\" \"b\"", "carol", "s"), "\"a\" \"b\"\n\"carol\" \"s\"\n");
  EXPECT_EQ(upsert_password_entry("", "carol", "s"), "\"carol\" \"s\"\n");
}

TEST(UpsertPasswordEntry, QuotesDropsDuplicatesAndKeepsMalformedLines) {
  const std::string text = "garbage line\r\n  \"we\"\"ird\"  \"1\"\r\n\"we\"\"ird\" \"2\"\nlast";
  auto out = upsert_password_entry(text, "we\"ird", "se\"cret");
  EXPECT_EQ(out, "garbage line\r\n\"we\"\"ird\" \"se\"\"cret\"\r\nlast");
}

TEST(UpsertPasswordEntry, ResultParsesBack) {
  const std::string text = "\"alice\" \"" + kMd5 + "\"\n";
  auto out = upsert_password_entry(text, "bob", kScram);
  auto file = parse(out);
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->find("bob")->text, kScram);
  EXPECT_EQ(file->find("alice")->text, kMd5);
}

}  // namespace
}  // namespace pgw::auth
