#include "persistence/aof_manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace rill::persistence {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

AofManifest ParseOk(std::string_view text) {
  AofManifestError error;
  std::optional<AofManifest> m = ParseAofManifest(text, &error);
  EXPECT_TRUE(m.has_value()) << error.message << " at line " << error.line;
  return m.value_or(AofManifest{});
}

AofManifestError ParseError(std::string_view text) {
  AofManifestError error;
  EXPECT_FALSE(ParseAofManifest(text, &error).has_value()) << text;
  return error;
}

TEST(AofManifestTest, ParsesRedisLayoutBaseHistoryIncr) {
  AofManifest m = ParseOk(
      "file appendonly.aof.2.base.rdb seq 2 type b\n"
      "file appendonly.aof.1.incr.aof seq 1 type h\n"
      "file appendonly.aof.2.incr.aof seq 2 type h\n"
      "file appendonly.aof.3.incr.aof seq 3 type i\n"
      "file appendonly.aof.4.incr.aof seq 4 type i\n");
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "appendonly.aof.2.base.rdb");
  EXPECT_EQ(m.base->seq, 2);
  EXPECT_EQ(m.base_seq, 2);
  EXPECT_EQ(m.incr_seq, 4);
  EXPECT_THAT(m.history, ElementsAre(Field(&AofFileInfo::name, "appendonly.aof.1.incr.aof"),
                                     Field(&AofFileInfo::name, "appendonly.aof.2.incr.aof")));
  EXPECT_THAT(m.incr, ElementsAre(Field(&AofFileInfo::seq, 3), Field(&AofFileInfo::seq, 4)));
}

TEST(AofManifestTest, FormatIsRedisTextAndRoundTrips) {
  const std::string text =
      "file appendonly.aof.2.base.rdb seq 2 type b\n"
      "file appendonly.aof.1.incr.aof seq 1 type h\n"
      "file appendonly.aof.3.incr.aof seq 3 type i\n";
  EXPECT_EQ(FormatAofManifest(ParseOk(text)), text);
}

TEST(AofManifestTest, KeysAnyOrderAnyCaseUnknownKeysIgnoredCommentsSkipped) {
  AofManifest m = ParseOk(
      "# written by a future version\n"
      "type b SEQ 7 File x.base.aof future value\n"
      "  file y.incr.aof seq 9 type i  \r\n");
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "x.base.aof");
  EXPECT_EQ(m.base->seq, 7);
  ASSERT_EQ(m.incr.size(), 1u);
  EXPECT_EQ(m.incr[0].name, "y.incr.aof");
}

TEST(AofManifestTest, NamesWithSpacesAreQuotedAndReadBack) {
  AofManifest m;
  m.base = AofFileInfo{"my aof.1.base.rdb", 1, AofFileType::kBase};
  m.incr.push_back(AofFileInfo{"tab\there.1.incr.aof", 1, AofFileType::kIncr});
  const std::string text = FormatAofManifest(m);
  EXPECT_EQ(text,
            "file \"my aof.1.base.rdb\" seq 1 type b\n"
            "file \"tab\\there.1.incr.aof\" seq 1 type i\n");
  AofManifest back = ParseOk(text);
  EXPECT_EQ(back.base->name, "my aof.1.base.rdb");
  EXPECT_EQ(back.incr[0].name, "tab\there.1.incr.aof");
}

TEST(AofManifestTest, ErrorsCarryRedisMessagesAndLines) {
  EXPECT_EQ(ParseError("").message, "Found an empty AOF manifest");
  // The last line must end with a newline, as fgets-based Redis requires.
  AofManifestError e = ParseError("file a seq 1 type b");
  EXPECT_EQ(e.message, "The AOF manifest file contains too long line");
  EXPECT_EQ(e.line, 0);
  EXPECT_EQ(ParseError("file " + std::string(1100, 'a') + " seq 1 type b\n").message,
            "The AOF manifest file contains too long line");
  e = ParseError("file a seq 1 type b\n\n");
  EXPECT_EQ(e.message, "Invalid AOF manifest file format");
  e = ParseError("file a seq 1 type b\nfile b seq 1\n");
  EXPECT_EQ(e.message, "Invalid AOF manifest file format");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.line_text, "file b seq 1");
  EXPECT_EQ(ParseError("file a seq 1 type b extra\n").message, "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file \"a seq 1 type b\n").message, "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file a seq 0 type b\n").message, "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file a seq x type b\n").message, "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file a seq 1 type \"\"\n").message, "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file dir/a seq 1 type b\n").message,
            "File can't be a path, just a filename");
  EXPECT_EQ(ParseError("file a\\b seq 1 type b\n").message,
            "File can't be a path, just a filename");
  EXPECT_EQ(ParseError("file \"a\\\\b\" seq 1 type b\n").message,
            "File can't be a path, just a filename");
  EXPECT_EQ(ParseError("file a seq 1 type b\nfile c seq 2 type b\n").message,
            "Found duplicate base file information");
  e = ParseError("file a seq 2 type i\nfile c seq 2 type i\n");
  EXPECT_EQ(e.message, "Found a non-monotonic sequence number");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(ParseError("file a seq 2 type x\n").message, "Unknown AOF file type");
  EXPECT_EQ(ParseError(std::string("file a\0 seq 1 type b\n", 21)).message,
            "The AOF manifest file contains too long line");
}

TEST(AofManifestTest, EveryPrefixOfAValidManifestIsRefusedOrParsesAsAPrefix) {
  const std::string text =
      "file appendonly.aof.2.base.rdb seq 2 type b\n"
      "file appendonly.aof.2.incr.aof seq 2 type i\n";
  for (size_t n = 0; n <= text.size(); ++n) {
    AofManifestError error;
    std::optional<AofManifest> m = ParseAofManifest(text.substr(0, n), &error);
    const bool at_line_end = n == 44 || n == text.size();
    EXPECT_EQ(m.has_value(), at_line_end) << n << ": " << error.message;
  }
}

TEST(AofManifestTest, RewriteStepsNameFilesAsRedis) {
  AofManifest m;
  EXPECT_EQ(m.NewBase("appendonly.aof", true), "appendonly.aof.1.base.rdb");
  EXPECT_EQ(m.LastIncrOrNew("appendonly.aof"), "appendonly.aof.1.incr.aof");
  EXPECT_EQ(m.LastIncrOrNew("appendonly.aof"), "appendonly.aof.1.incr.aof");
  // A rewrite: new INCR when it starts, new BASE when it ends; the old ones become history.
  EXPECT_EQ(m.NewIncr("appendonly.aof"), "appendonly.aof.2.incr.aof");
  EXPECT_EQ(m.NewBase("appendonly.aof", false), "appendonly.aof.2.base.aof");
  m.MarkIncrAsHistory(/*keep_last=*/true);
  EXPECT_EQ(FormatAofManifest(m),
            "file appendonly.aof.2.base.aof seq 2 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type h\n"
            "file appendonly.aof.1.base.rdb seq 1 type h\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  m.MarkIncrAsHistory(/*keep_last=*/false);
  EXPECT_TRUE(m.incr.empty());
  EXPECT_EQ(m.history.front().name, "appendonly.aof.2.incr.aof");
  EXPECT_EQ(AofManifestFileName("appendonly.aof"), "appendonly.aof.manifest");
  EXPECT_EQ(AofTempManifestFileName("appendonly.aof"), "temp-appendonly.aof.manifest");
  EXPECT_EQ(AofTempIncrFileName("appendonly.aof"), "temp-appendonly.aof.incr");
}

}  // namespace
}  // namespace rill::persistence
