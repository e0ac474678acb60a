// RESP multibulk requests: framing, pipelining, resumption at any byte, and every limit with
// Redis 7.0's exact error text (checked against redis-server 7.0.15).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "protocol/request_parser.h"
#include "tests/unit/protocol/parser_test_util.h"

namespace rill::protocol {
namespace {

using testing::Commands;
using testing::FeedByteByByte;
using testing::FeedChunks;
using testing::FeedSplit;
using testing::FeedWhole;

std::string Multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

TEST(MultibulkTest, ParsesOneCommandAndReportsConsumed) {
  const std::string req = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
  RequestParser parser;
  ASSERT_EQ(parser.Parse(req), ParseStatus::kCommand);
  EXPECT_THAT(parser.args(), ::testing::ElementsAre("SET", "key", "value"));
  EXPECT_EQ(parser.consumed(), req.size());
}

TEST(MultibulkTest, ArgsAreViewsIntoTheRequest) {
  const std::string req = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  RequestParser parser;
  ASSERT_EQ(parser.Parse(req), ParseStatus::kCommand);
  ASSERT_EQ(parser.args().size(), 2u);
  EXPECT_EQ(parser.args()[0].data(), req.data() + 8);
  EXPECT_EQ(parser.args()[1].data(), req.data() + 17);
}

TEST(MultibulkTest, BinarySafeBulksKeepCrLfAndNul) {
  const std::string value("a\r\nb\0c\r\n", 8);
  const std::string req = Multibulk({"SET", "k\r\n", value, ""});
  auto r = FeedWhole(req);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.commands, (Commands{{"SET", "k\r\n", value, ""}}));
  EXPECT_EQ(r.unconsumed, 0u);
}

TEST(MultibulkTest, PipelineInOneBufferYieldsEachCommandInOrder) {
  std::string req;
  Commands expected;
  for (int i = 0; i < 16; ++i) {
    std::vector<std::string> cmd = {"SET", "key:" + std::to_string(i), std::string(i, 'v')};
    req += Multibulk(cmd);
    expected.push_back(cmd);
  }
  auto r = FeedWhole(req);
  EXPECT_EQ(r.commands, expected);
  EXPECT_EQ(r.unconsumed, 0u);
}

TEST(MultibulkTest, ConsumedCoversExactlyOneCommandOfAPipeline) {
  const std::string first = Multibulk({"PING"});
  const std::string second = Multibulk({"ECHO", "hi"});
  const std::string req = first + second;
  RequestParser parser;
  ASSERT_EQ(parser.Parse(req), ParseStatus::kCommand);
  EXPECT_EQ(parser.consumed(), first.size());
  ASSERT_EQ(parser.Parse(std::string_view(req).substr(first.size())), ParseStatus::kCommand);
  EXPECT_THAT(parser.args(), ::testing::ElementsAre("ECHO", "hi"));
  EXPECT_EQ(parser.consumed(), second.size());
}

// The same bytes give the same commands wherever the read boundary falls.
TEST(MultibulkTest, EverySplitPointParsesTheSame) {
  const std::vector<std::string> requests = {
      Multibulk({"SET", "key:000000000001", "0123456789abcdef"}),
      Multibulk({"SET", "bin", std::string("\r\n\0\r\n*3\r\n$", 10)}) + Multibulk({"GET", "bin"}),
      "*0\r\n" + Multibulk({"PING"}) + "*-1\r\n" + Multibulk({"ECHO", ""}),
      Multibulk({"MSET", "a", "1", "b", "2"}) + "PING\r\n" + Multibulk({"GET", "a"}),
  };
  for (const std::string& req : requests) {
    const auto whole = FeedWhole(req);
    ASSERT_EQ(whole.error, "");
    ASSERT_EQ(whole.unconsumed, 0u);
    for (size_t at = 0; at <= req.size(); ++at) {
      const auto split = FeedSplit(req, at);
      EXPECT_EQ(split.commands, whole.commands) << "split at " << at << " of " << req;
      EXPECT_EQ(split.error, "");
      EXPECT_EQ(split.unconsumed, 0u);
    }
    const auto bytewise = FeedByteByByte(req);
    EXPECT_EQ(bytewise.commands, whole.commands);
    EXPECT_EQ(bytewise.unconsumed, 0u);
  }
}

TEST(MultibulkTest, EmptyMultibulkIsSkippedNotReturned) {
  auto r = FeedWhole("*0\r\n*-1\r\n*-7\r\n*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(r.commands, (Commands{{"PING"}}));
  EXPECT_EQ(r.unconsumed, 0u);
}

TEST(MultibulkTest, EmptyCommandBeforeACompleteOneIsConsumedWithIt) {
  const std::string buf = "*0\r\n*1\r\n$4\r\nPING\r\n";
  RequestParser parser;
  ASSERT_EQ(parser.Parse(buf), ParseStatus::kCommand);
  EXPECT_THAT(parser.args(), ::testing::ElementsAre("PING"));
  EXPECT_EQ(parser.consumed(), buf.size());
}

TEST(MultibulkTest, EmptyCommandBeforeAPartialOneIsConsumedAlone) {
  RequestParser parser;
  ASSERT_EQ(parser.Parse("*0\r\n*1\r\n$4\r\nPI"), ParseStatus::kCommand);
  EXPECT_TRUE(parser.args().empty());
  EXPECT_EQ(parser.consumed(), 4u);
  EXPECT_EQ(parser.Parse("*1\r\n$4\r\nPI"), ParseStatus::kNeedMore);
  ASSERT_EQ(parser.Parse("*1\r\n$4\r\nPING\r\n"), ParseStatus::kCommand);
  EXPECT_THAT(parser.args(), ::testing::ElementsAre("PING"));
}

TEST(MultibulkTest, HeaderNeedsTheByteAfterCarriageReturn) {
  RequestParser parser;
  EXPECT_EQ(parser.Parse("*1\r"), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.Parse("*1\r\n$4\r"), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.Parse("*1\r\n$4\r\nPING\r"), ParseStatus::kNeedMore);
  ASSERT_EQ(parser.Parse("*1\r\n$4\r\nPING\r\n"), ParseStatus::kCommand);
  EXPECT_THAT(parser.args(), ::testing::ElementsAre("PING"));
}

// Redis steps over the two bytes after a bulk without checking they are CRLF.
TEST(MultibulkTest, BytesAfterBulkAreSkippedUnchecked) {
  auto r = FeedWhole("*1\r\n$4\r\nPINGxy*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(r.commands, (Commands{{"PING"}, {"PING"}}));
}

TEST(MultibulkTest, BigBulkResumesAcrossManyCallsWithExactBytesWanted) {
  const size_t kLen = 1 << 20;
  std::string value(kLen, 'x');
  for (size_t i = 0; i < kLen; i += 4099) value[i] = static_cast<char>('a' + i % 26);
  const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(kLen) + "\r\n";
  const std::string req = head + value + "\r\n";

  RequestParser parser;
  EXPECT_EQ(parser.Parse(std::string_view(req).substr(0, head.size())), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.bytes_wanted(), kLen + 2);
  size_t have = head.size();
  int calls = 0;
  while (have < req.size()) {
    have = std::min(req.size(), have + 4096);
    std::string moved = req.substr(0, have);  // the buffer moves between calls
    ParseStatus status = parser.Parse(moved);
    ++calls;
    if (have < req.size()) {
      ASSERT_EQ(status, ParseStatus::kNeedMore);
      EXPECT_EQ(parser.bytes_wanted(), req.size() - have);
    } else {
      ASSERT_EQ(status, ParseStatus::kCommand);
      ASSERT_EQ(parser.args().size(), 3u);
      EXPECT_EQ(parser.args()[2], value);
      EXPECT_EQ(parser.consumed(), req.size());
    }
  }
  EXPECT_EQ(calls, static_cast<int>((kLen + 2 + 4095) / 4096));
}

TEST(MultibulkTest, BytesWantedIsZeroWhileAHeaderIsIncomplete) {
  RequestParser parser;
  EXPECT_EQ(parser.Parse("*2\r\n$3\r\nGET\r\n$1"), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.bytes_wanted(), 0u);
  EXPECT_EQ(parser.Parse("*2\r\n$3\r\nGET\r\n$10\r\nab"), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.bytes_wanted(), 10u);
}

struct ErrorCase {
  std::string bytes;
  std::string error;
};

// Names each case by its input (ctest shows the printed value in the test's name): without
// this, gtest prints the struct's raw bytes, pointers included, a new 250-character name in
// every build.
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << absl::CHexEscape(c.bytes); }

class MultibulkErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(MultibulkErrorTest, RepliesWithRedisText) {
  const ErrorCase& c = GetParam();
  EXPECT_EQ(FeedWhole(c.bytes).error, c.error);
  // The same error is found when the bytes trickle in.
  EXPECT_EQ(FeedByteByByte(c.bytes).error, c.error);
}

const char kBadMultibulk[] = "ERR Protocol error: invalid multibulk length";
const char kBadBulk[] = "ERR Protocol error: invalid bulk length";

INSTANTIATE_TEST_SUITE_P(
    RedisErrors, MultibulkErrorTest,
    ::testing::Values(
        ErrorCase{"*abc\r\n", kBadMultibulk}, ErrorCase{"*\r\n", kBadMultibulk},
        ErrorCase{"*03\r\n", kBadMultibulk}, ErrorCase{"*+1\r\n", kBadMultibulk},
        ErrorCase{"* 1\r\n", kBadMultibulk}, ErrorCase{"*2147483648\r\n", kBadMultibulk},
        ErrorCase{"*99999999999999999999\r\n", kBadMultibulk},
        ErrorCase{"*1\r\nx3\r\n", "ERR Protocol error: expected '$', got 'x'"},
        ErrorCase{"*2\r\n$1\r\na\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"},
        ErrorCase{"*1\r\n$abc\r\n", kBadBulk}, ErrorCase{"*1\r\n$-1\r\n", kBadBulk},
        ErrorCase{"*1\r\n$-0\r\n", kBadBulk}, ErrorCase{"*1\r\n$03\r\n", kBadBulk},
        ErrorCase{"*1\r\n$\r\n", kBadBulk}, ErrorCase{"*1\r\n$536870913\r\n", kBadBulk},
        ErrorCase{"*1\r\n$9223372036854775808\r\n", kBadBulk}));

TEST(MultibulkLimitTest, MultibulkCountUpToIntMaxIsAccepted) {
  RequestParser parser;
  EXPECT_EQ(parser.Parse("*2147483647\r\n"), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.error(), "");
}

TEST(MultibulkLimitTest, ConfiguredMultibulkLimit) {
  ParserLimits limits;
  limits.max_multibulk_len = 3;
  EXPECT_EQ(FeedWhole("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", limits).commands,
            (Commands{{"a", "b", "c"}}));
  EXPECT_EQ(FeedWhole("*4\r\n", limits).error, kBadMultibulk);
}

TEST(MultibulkLimitTest, BulkLengthAtLimitWaitsAboveLimitFails) {
  RequestParser parser;
  EXPECT_EQ(parser.Parse("*1\r\n$536870912\r\n"), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.bytes_wanted(), 536870914u);

  ParserLimits limits;
  limits.max_bulk_len = 10;
  EXPECT_EQ(FeedWhole("*1\r\n$10\r\n0123456789\r\n", limits).commands, (Commands{{"0123456789"}}));
  EXPECT_EQ(FeedWhole("*1\r\n$11\r\n", limits).error, kBadBulk);
}

TEST(MultibulkLimitTest, TooBigMultibulkCountString) {
  // Redis waits while the unterminated header is at most 64 KiB, and fails past that.
  std::string at_limit = "*1" + std::string(64 * 1024 - 2, '1');
  RequestParser parser;
  EXPECT_EQ(parser.Parse(at_limit), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.Parse(at_limit + "1"), ParseStatus::kError);
  EXPECT_EQ(parser.error(), "ERR Protocol error: too big mbulk count string");
}

TEST(MultibulkLimitTest, TooBigBulkCountString) {
  const std::string head = "*2\r\n$1\r\na\r\n";
  std::string at_limit = head + "$" + std::string(64 * 1024 - 1, '1');
  RequestParser parser;
  EXPECT_EQ(parser.Parse(at_limit), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.Parse(at_limit + "1"), ParseStatus::kError);
  EXPECT_EQ(parser.error(), "ERR Protocol error: too big bulk count string");
}

TEST(MultibulkLimitTest, CommandsBeforeAnErrorAreStillReturned) {
  auto r = FeedWhole("*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n");
  EXPECT_EQ(r.commands, (Commands{{"PING"}}));
  EXPECT_EQ(r.error, kBadBulk);
}

TEST(MultibulkLimitTest, UnauthenticatedClientsGetSmallLimits) {
  RequestParser parser;
  parser.set_auth_required(true);
  EXPECT_EQ(parser.Parse("*10\r\n$16384\r\n"), ParseStatus::kNeedMore);
  parser.Reset();
  EXPECT_EQ(parser.Parse("*11\r\n"), ParseStatus::kError);
  EXPECT_EQ(parser.error(), "ERR Protocol error: unauthenticated multibulk length");
  parser.Reset();
  EXPECT_EQ(parser.Parse("*2\r\n$16385\r\n"), ParseStatus::kError);
  EXPECT_EQ(parser.error(), "ERR Protocol error: unauthenticated bulk length");
  // Once authenticated, the ordinary limits apply.
  parser.set_auth_required(false);
  parser.Reset();
  EXPECT_EQ(parser.Parse("*11\r\n$16385\r\n"), ParseStatus::kNeedMore);
}

TEST(MultibulkTest, ResetDropsAPartialCommand) {
  RequestParser parser;
  EXPECT_EQ(parser.Parse("*2\r\n$3\r\nGET\r\n"), ParseStatus::kNeedMore);
  parser.Reset();
  ASSERT_EQ(parser.Parse("*1\r\n$4\r\nPING\r\n"), ParseStatus::kCommand);
  EXPECT_THAT(parser.args(), ::testing::ElementsAre("PING"));
}

}  // namespace
}  // namespace rill::protocol

namespace rill::protocol {
namespace {

// Random pipelines of binary multibulk and plain inline commands, fed in random-sized pieces,
// must parse into exactly the commands that were encoded.
TEST(MultibulkTest, RandomPipelinesInRandomPiecesRoundTrip) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 300; ++round) {
    std::string bytes;
    testing::Commands expected;
    const int commands = 1 + static_cast<int>(rng() % 8);
    for (int c = 0; c < commands; ++c) {
      std::vector<std::string> args;
      const int nargs = 1 + static_cast<int>(rng() % 5);
      const bool as_inline = rng() % 4 == 0;
      for (int a = 0; a < nargs; ++a) {
        std::string arg(rng() % (as_inline ? 12 : 300), '\0');
        for (char& ch : arg) {
          ch = as_inline ? static_cast<char>('a' + rng() % 26) : static_cast<char>(rng());
        }
        if (as_inline && arg.empty()) arg = "x";
        args.push_back(arg);
      }
      if (as_inline) {
        for (size_t a = 0; a < args.size(); ++a) bytes += (a ? " " : "") + args[a];
        bytes += rng() % 2 ? "\r\n" : "\n";
      } else {
        bytes += Multibulk(args);
      }
      expected.push_back(args);
    }
    std::vector<std::string> pieces;
    for (size_t at = 0; at < bytes.size();) {
      size_t len = 1 + rng() % 64;
      pieces.push_back(bytes.substr(at, len));
      at += len;
    }
    const auto r = FeedChunks(pieces);
    ASSERT_EQ(r.error, "");
    ASSERT_EQ(r.commands, expected) << "round " << round;
    ASSERT_EQ(r.unconsumed, 0u);
  }
}

}  // namespace
}  // namespace rill::protocol

namespace rill::protocol {
namespace {

// CLIENT LIST's view of a command still arriving: what Redis has moved into argv by then.
TEST(MultibulkTest, PartialCommandReportsParsedBytesAndArguments) {
  RequestParser parser;
  EXPECT_EQ(parser.partial_parsed(), 0u);
  EXPECT_EQ(parser.partial_arg_bytes(), 0u);
  // Two complete bulks and the header of the third: all parsed but "abc".
  const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$10\r\n";
  ASSERT_EQ(parser.Parse(head + "abc"), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.partial_parsed(), head.size());
  EXPECT_EQ(parser.partial_arg_bytes(), 4u);
  // Waiting for the third header: everything so far was parsed.
  RequestParser header;
  ASSERT_EQ(header.Parse("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1"), ParseStatus::kNeedMore);
  EXPECT_EQ(header.partial_parsed(), std::string("*3\r\n$3\r\nSET\r\n$1\r\na\r\n").size());
  EXPECT_EQ(header.partial_arg_bytes(), 4u);
  // Complete: nothing partial any more.
  ASSERT_EQ(parser.Parse(head + "abcdefghij\r\n"), ParseStatus::kCommand);
  EXPECT_EQ(parser.partial_parsed(), 0u);
  EXPECT_EQ(parser.partial_arg_bytes(), 0u);
  // An inline command keeps its whole line in the buffer, as in Redis.
  RequestParser inline_parser;
  ASSERT_EQ(inline_parser.Parse("SET a b"), ParseStatus::kNeedMore);
  EXPECT_EQ(inline_parser.partial_parsed(), 0u);
  EXPECT_EQ(inline_parser.partial_arg_bytes(), 0u);
}

}  // namespace
}  // namespace rill::protocol
