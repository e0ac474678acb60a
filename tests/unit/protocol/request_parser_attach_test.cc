// Big bulks read outside the parser's data (RequestParser::AttachBulk), driven the way the
// connection drives them: the payload that already arrived moves into a buffer of its own, the
// following reads fill it, and the parser returns the argument as a view into that buffer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "protocol/request_parser.h"
#include "tests/unit/protocol/parser_test_util.h"

namespace rill::protocol {
namespace {

using testing::Commands;

constexpr size_t kBig = RequestParser::kBigBulk;

std::string Multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::string Pattern(size_t size, char seed) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>(seed + i % 97);
  return s;
}

// A connection in miniature: a read buffer, and the big bulks of the current command each in
// a buffer of its own (kept until the command is consumed, as Connection::big_args_).
class AttachingReader {
 public:
  // Receives `chunk` and parses every command it completes.
  void Receive(std::string chunk) {
    while (!chunk.empty()) {
      if (filling_) {  // the bytes belong to the big bulk until it is complete
        std::string& payload = *payloads_.back();
        const size_t take = std::min(chunk.size(), wanted_ - payload.size());
        payload.append(chunk, 0, take);
        chunk.erase(0, take);
        if (payload.size() < wanted_) return;
        filling_ = false;
        parser_.AttachBulk(payload);
        continue;
      }
      buffer_ += chunk;
      chunk.clear();
      ParseAll();
    }
    ParseAll();
  }

  // Parses the current command again from its start, as a postponed command is.
  void ReparsePostponed() { postpone_next_ = true; }

  RequestParser parser_;
  Commands commands;
  // For each command, which arguments were views into an attached buffer.
  std::vector<std::vector<bool>> attached;
  std::string error;

 private:
  void ParseAll() {
    while (!filling_ && !buffer_.empty() && error.empty()) {
      const std::string moved = buffer_;  // new address on every call, as the buffer may move
      const ParseStatus status = parser_.Parse(moved);
      if (status == ParseStatus::kError) {
        error = parser_.error();
        return;
      }
      if (status == ParseStatus::kNeedMore) {
        if (!parser_.big_bulk_pending()) return;
        EXPECT_GE(parser_.big_bulk_length(), kBig);
        const size_t at = parser_.big_bulk_offset();
        const size_t have = std::min(buffer_.size() - at, parser_.big_bulk_length());
        payloads_.push_back(std::make_unique<std::string>(buffer_.substr(at, have)));
        buffer_.erase(at, have);
        wanted_ = parser_.big_bulk_length();
        if (have < wanted_) {
          filling_ = true;
          return;
        }
        parser_.AttachBulk(*payloads_.back());
        continue;
      }
      if (!parser_.args().empty()) {
        if (postpone_next_) {  // not consumed: parsed again next time, attachments kept
          postpone_next_ = false;
          continue;
        }
        commands.emplace_back(parser_.args().begin(), parser_.args().end());
        std::vector<bool> flags;
        for (std::string_view arg : parser_.args()) {
          bool in_payload = false;
          for (const auto& p : payloads_) {
            in_payload |= arg.data() == p->data() && arg.size() == p->size();
          }
          flags.push_back(in_payload);
        }
        attached.push_back(flags);
      }
      buffer_.erase(0, parser_.consumed());
      parser_.DropAttachedBulks();
      payloads_.clear();
    }
  }

  std::string buffer_;
  std::vector<std::unique_ptr<std::string>> payloads_;
  size_t wanted_ = 0;
  bool filling_ = false;
  bool postpone_next_ = false;
};

TEST(AttachBulkTest, PendingBigBulkIsReportedWithItsOffsetAndLength) {
  const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n";
  RequestParser parser;
  ASSERT_EQ(parser.Parse(head + "abc"), ParseStatus::kNeedMore);
  EXPECT_TRUE(parser.big_bulk_pending());
  EXPECT_EQ(parser.big_bulk_offset(), head.size());
  EXPECT_EQ(parser.big_bulk_length(), 40000u);
  // A bulk under kBigBulk is waited for in the data, as before.
  RequestParser small;
  ASSERT_EQ(small.Parse("*2\r\n$4\r\nECHO\r\n$32767\r\nabc"), ParseStatus::kNeedMore);
  EXPECT_FALSE(small.big_bulk_pending());
  // Waiting for a header is not waiting for a big bulk.
  RequestParser header;
  ASSERT_EQ(header.Parse("*2\r\n$4\r\nECHO\r\n$400"), ParseStatus::kNeedMore);
  EXPECT_FALSE(header.big_bulk_pending());
}

TEST(AttachBulkTest, AttachedPayloadBecomesTheArgument) {
  const std::string value = Pattern(kBig * 3, 'a');
  const std::string req = Multibulk({"SET", "k", value});
  const size_t payload = req.size() - value.size() - 2;
  AttachingReader reader;
  reader.Receive(req.substr(0, payload + 10));
  reader.Receive(req.substr(payload + 10, 50000));
  EXPECT_TRUE(reader.commands.empty());
  reader.Receive(req.substr(payload + 10 + 50000));
  ASSERT_EQ(reader.commands, (Commands{{"SET", "k", value}}));
  EXPECT_THAT(reader.attached[0], ::testing::ElementsAre(false, false, true));
}

TEST(AttachBulkTest, SeveralBigBulksWithCommandsAroundThem) {
  const std::string one = Pattern(kBig + 1, 'x');
  const std::string two = Pattern(kBig * 2, 'y');
  const std::string stream = Multibulk({"PING"}) + "*0\r\n" +
                             Multibulk({"MSET", "a", one, "b", two, "c", "small"}) +
                             Multibulk({"GET", "a"});
  const Commands expected{{"PING"}, {"MSET", "a", one, "b", two, "c", "small"}, {"GET", "a"}};
  // Every chunk size, including ones that cut inside headers and CRLFs, gives the same.
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE(round);
    AttachingReader reader;
    const size_t max_chunk = 1 + rng() % (round < 100 ? 64 : 70000);
    for (size_t at = 0; at < stream.size();) {
      const size_t n = 1 + rng() % max_chunk;
      reader.Receive(stream.substr(at, n));
      at += n;
    }
    ASSERT_EQ(reader.error, "");
    ASSERT_EQ(reader.commands, expected);
    // Chunks this small never hold a whole big bulk: both were read into their own buffers.
    if (max_chunk <= 64) {
      EXPECT_THAT(reader.attached[1],
                  ::testing::ElementsAre(false, false, true, false, true, false, false));
    }
  }
}

TEST(AttachBulkTest, WholeBigBulkInTheDataIsNotAttached) {
  const std::string value = Pattern(kBig * 2, 'z');
  AttachingReader reader;
  reader.Receive(Multibulk({"SET", "k", value}));
  ASSERT_EQ(reader.commands, (Commands{{"SET", "k", value}}));
  EXPECT_THAT(reader.attached[0], ::testing::ElementsAre(false, false, false));
}

TEST(AttachBulkTest, PostponedCommandIsParsedAgainWithItsAttachments) {
  const std::string value = Pattern(kBig * 2, 'p');
  const std::string req = Multibulk({"SET", "k", value, "EX", "10"});
  AttachingReader reader;
  reader.ReparsePostponed();
  reader.Receive(req.substr(0, 100));
  reader.Receive(req.substr(100));
  // The first complete parse was postponed; the second, from the same start, finds the
  // payload attached at the same offset and returns the same arguments.
  ASSERT_EQ(reader.commands, (Commands{{"SET", "k", value, "EX", "10"}}));
  EXPECT_THAT(reader.attached[0], ::testing::ElementsAre(false, false, true, false, false));
}

TEST(AttachBulkTest, ResetForgetsAttachments) {
  const std::string head = "*2\r\n$4\r\nECHO\r\n$40000\r\n";
  const std::string payload = Pattern(40000, 'r');
  RequestParser parser;
  ASSERT_EQ(parser.Parse(head), ParseStatus::kNeedMore);
  ASSERT_TRUE(parser.big_bulk_pending());
  parser.AttachBulk(payload);
  ASSERT_EQ(parser.Parse(head + "\r\n"), ParseStatus::kCommand);
  EXPECT_EQ(parser.args()[1].data(), payload.data());
  parser.Reset();
  // The same header again is waited for in the data.
  ASSERT_EQ(parser.Parse(head + "\r\n"), ParseStatus::kNeedMore);
  EXPECT_TRUE(parser.big_bulk_pending());
}

}  // namespace
}  // namespace rill::protocol
