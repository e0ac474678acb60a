// Inline (telnet-style) requests: splitting and quoting as Redis 7.0's sdssplitargs does, line
// endings, empty lines, and the inline size limit (checked against redis-server 7.0.15).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "protocol/request_parser.h"
#include "tests/unit/protocol/parser_test_util.h"

namespace rill::protocol {
namespace {

using testing::Commands;
using testing::FeedByteByByte;
using testing::FeedSplit;
using testing::FeedWhole;

const char kUnbalanced[] = "ERR Protocol error: unbalanced quotes in request";

TEST(InlineTest, SplitsOnBlanksWithCrLfOrLf) {
  EXPECT_EQ(FeedWhole("PING\r\n").commands, (Commands{{"PING"}}));
  EXPECT_EQ(FeedWhole("PING\n").commands, (Commands{{"PING"}}));
  EXPECT_EQ(FeedWhole("  SET \t a   b  \r\n").commands, (Commands{{"SET", "a", "b"}}));
}

TEST(InlineTest, ConsumedIncludesLineEnding) {
  RequestParser parser;
  ASSERT_EQ(parser.Parse("GET k\r\nGET j\n"), ParseStatus::kCommand);
  EXPECT_EQ(parser.consumed(), 7u);
  ASSERT_EQ(parser.Parse("GET j\n"), ParseStatus::kCommand);
  EXPECT_EQ(parser.consumed(), 6u);
}

TEST(InlineTest, BareWordsAreViewsIntoTheRequest) {
  const std::string req = "GET key\r\n";
  RequestParser parser;
  ASSERT_EQ(parser.Parse(req), ParseStatus::kCommand);
  ASSERT_EQ(parser.args().size(), 2u);
  EXPECT_EQ(parser.args()[0].data(), req.data());
  EXPECT_EQ(parser.args()[1].data(), req.data() + 4);
}

TEST(InlineTest, EmptyAndBlankLinesAreSkipped) {
  auto r = FeedWhole("\r\n\n   \r\n\t\nPING\n\n");
  EXPECT_EQ(r.commands, (Commands{{"PING"}}));
  EXPECT_EQ(r.unconsumed, 0u);
}

TEST(InlineTest, OnlyBlankLinesAreConsumedAsAnEmptyCommand) {
  RequestParser parser;
  ASSERT_EQ(parser.Parse("\r\n\n  \r\n"), ParseStatus::kCommand);
  EXPECT_TRUE(parser.args().empty());
  EXPECT_EQ(parser.consumed(), 7u);
}

TEST(InlineTest, BlankLinesBeforeAPartialCommandAreConsumedFirst) {
  RequestParser parser;
  ASSERT_EQ(parser.Parse("\r\nPI"), ParseStatus::kCommand);
  EXPECT_TRUE(parser.args().empty());
  EXPECT_EQ(parser.consumed(), 2u);
  EXPECT_EQ(parser.Parse("PI"), ParseStatus::kNeedMore);
  ASSERT_EQ(parser.Parse("PING\r\n"), ParseStatus::kCommand);
  EXPECT_THAT(parser.args(), ::testing::ElementsAre("PING"));
}

TEST(InlineTest, DoubleQuotesTakeEscapes) {
  EXPECT_EQ(FeedWhole("ECHO \"a\\x41\\n\\q\"\r\n").commands, (Commands{{"ECHO", "aA\nq"}}));
  EXPECT_EQ(FeedWhole("ECHO \"\\r\\t\\b\\a\\\\\\\"\"\r\n").commands,
            (Commands{{"ECHO", "\r\t\b\a\\\""}}));
  EXPECT_EQ(FeedWhole("ECHO \"\\x00\\xfF\"\n").commands,
            (Commands{{"ECHO", std::string("\0\xff", 2)}}));
  // Not two hex digits: the backslash just escapes the 'x'.
  EXPECT_EQ(FeedWhole("ECHO \"\\x4g\"\n").commands, (Commands{{"ECHO", "x4g"}}));
  EXPECT_EQ(FeedWhole("ECHO \"a b\"  \"\"\n").commands, (Commands{{"ECHO", "a b", ""}}));
}

TEST(InlineTest, SingleQuotesTakeOnlyEscapedQuote) {
  EXPECT_EQ(FeedWhole("ECHO 'a\\'b\\n'\r\n").commands, (Commands{{"ECHO", "a'b\\n"}}));
  EXPECT_EQ(FeedWhole("SET k ''\n").commands, (Commands{{"SET", "k", ""}}));
}

TEST(InlineTest, QuoteInsideBareWordOpensAQuotedPart) {
  EXPECT_EQ(FeedWhole("ECHO foo\"bar baz\" qux\r\n").commands,
            (Commands{{"ECHO", "foobar baz", "qux"}}));
  EXPECT_EQ(FeedWhole("ECHO a'b c'\n").commands, (Commands{{"ECHO", "ab c"}}));
}

TEST(InlineTest, ClosingQuoteMustBeFollowedBySpaceOrEnd) {
  EXPECT_EQ(FeedWhole("PING \"a\"b\r\n").error, kUnbalanced);
  EXPECT_EQ(FeedWhole("PING 'a'b\r\n").error, kUnbalanced);
  EXPECT_EQ(FeedWhole("ECHO foo\"bar baz\"qux\r\n").error, kUnbalanced);
  // Any C isspace() byte is accepted after the quote, vertical tab included.
  EXPECT_EQ(FeedWhole("ECHO \"x\"\v\r\n").commands, (Commands{{"ECHO", "x"}}));
}

TEST(InlineTest, UnterminatedQuotesFail) {
  EXPECT_EQ(FeedWhole("ECHO \"abc\r\n").error, kUnbalanced);
  EXPECT_EQ(FeedWhole("ECHO 'abc\n").error, kUnbalanced);
  EXPECT_EQ(FeedWhole("ECHO \"abc\\\n").error, kUnbalanced);
}

TEST(InlineTest, OnlySpaceTabCrLfEndABareWord) {
  // Redis ends a bare word only at ' ', '\t', '\r', '\n'; a vertical tab stays inside it.
  EXPECT_EQ(FeedWhole("ECHO a\vb\r\n").commands, (Commands{{"ECHO", "a\vb"}}));
  EXPECT_EQ(FeedWhole("ECHO a\rb\n").commands, (Commands{{"ECHO", "a", "b"}}));
}

TEST(InlineTest, LineEndsAtFirstNul) {
  EXPECT_EQ(FeedWhole(std::string("ECHO a\0b c\r\nPING\r\n", 18)).commands,
            (Commands{{"ECHO", "a"}, {"PING"}}));
}

TEST(InlineTest, QuotedArgsSurviveTheNextArgsStorage) {
  // Several unescaped args share parser storage; each view must stay intact.
  std::string req = "MSET";
  Commands expected = {{"MSET"}};
  for (int i = 0; i < 40; ++i) {
    req += " \"k" + std::to_string(i) + "\\tv\"";
    expected[0].push_back("k" + std::to_string(i) + "\tv");
  }
  EXPECT_EQ(FeedWhole(req + "\r\n").commands, expected);
}

TEST(InlineTest, EverySplitPointParsesTheSame) {
  const std::vector<std::string> requests = {
      "SET key \"a \\\"quoted\\\" \\x41 value\" 'it\\'s'\r\nGET key\n",
      "\r\n  PING  \r\n*1\r\n$4\r\nPING\r\nECHO \"\"\r\n",
  };
  for (const std::string& req : requests) {
    const auto whole = FeedWhole(req);
    ASSERT_EQ(whole.error, "");
    ASSERT_EQ(whole.unconsumed, 0u);
    ASSERT_FALSE(whole.commands.empty());
    for (size_t at = 0; at <= req.size(); ++at) {
      const auto split = FeedSplit(req, at);
      EXPECT_EQ(split.commands, whole.commands) << "split at " << at;
      EXPECT_EQ(split.unconsumed, 0u);
    }
    EXPECT_EQ(FeedByteByByte(req).commands, whole.commands);
  }
}

TEST(InlineTest, TooBigInlineRequest) {
  std::string at_limit(64 * 1024, 'x');
  RequestParser parser;
  EXPECT_EQ(parser.Parse(at_limit), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.Parse(at_limit + "x"), ParseStatus::kError);
  EXPECT_EQ(parser.error(), "ERR Protocol error: too big inline request");
}

TEST(InlineTest, LongCompleteLineIsAccepted) {
  // The limit is on waiting for a newline, not on line length: Redis takes this line.
  std::string value(64 * 1024, 'v');
  EXPECT_EQ(FeedWhole("ECHO " + value + "\n").commands, (Commands{{"ECHO", value}}));
}

TEST(InlineTest, LongLineArrivingInStepsParses) {
  // A 60 KiB line arriving 1 KiB at a time (the resumed newline search starts where it left).
  std::string line = "ECHO " + std::string(60 * 1024, 'y');
  RequestParser parser;
  std::string buf;
  for (size_t i = 0; i < line.size(); i += 1024) {
    buf = line.substr(0, i + 1024);
    ASSERT_EQ(parser.Parse(buf), ParseStatus::kNeedMore);
  }
  buf = line + "\r\n";
  ASSERT_EQ(parser.Parse(buf), ParseStatus::kCommand);
  EXPECT_EQ(parser.args().size(), 2u);
  EXPECT_EQ(parser.args()[1].size(), 60u * 1024);
}

}  // namespace
}  // namespace rill::protocol
