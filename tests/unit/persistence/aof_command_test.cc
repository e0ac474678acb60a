#include "persistence/aof_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace rill::persistence {
namespace {

using ::testing::ElementsAre;
using Status = AofReader::Status;

std::string Encode(std::initializer_list<std::string_view> args) {
  std::string out;
  AppendAofCommand(&out, args);
  return out;
}

// Every command of `data`, and the status the reading ended with.
std::vector<std::vector<std::string>> ReadAll(std::string_view data, Status* end,
                                              uint64_t* valid = nullptr) {
  AofReader reader(data);
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> argv;
  Status s;
  while ((s = reader.Next(&argv)) == Status::kCommand) out.push_back(argv);
  *end = s;
  if (valid) *valid = reader.valid_offset();
  return out;
}

TEST(AofCommandTest, EncodesMultibulkAndSelect) {
  EXPECT_EQ(Encode({"SET", "k", ""}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
  std::string out;
  AppendAofSelect(&out, 12);
  EXPECT_EQ(out, "*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n");
}

TEST(AofCommandTest, ReadsCommandsBinaryPayloadsAndSkipsAnnotations) {
  std::string binary("a\r\n\0b", 5);
  std::string data = "#TS:1700000000\r\n" + Encode({"SET", "k", binary}) + "#TS:1700000001\r\n" +
                     Encode({"DEL", "k"});
  Status end;
  auto cmds = ReadAll(data, &end);
  EXPECT_EQ(end, Status::kEnd);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_THAT(cmds[0], ElementsAre("SET", "k", binary));
  EXPECT_THAT(cmds[1], ElementsAre("DEL", "k"));
}

TEST(AofCommandTest, TruncationAtEveryByteIsTruncatedOrACleanEnd) {
  const std::string a = Encode({"SET", "key", "value"});
  const std::string b = Encode({"RPUSH", "list", "x", "y"});
  const std::string c = Encode({"DEL", "key"});
  const std::string data = a + b + c;
  const std::vector<size_t> boundaries = {0, a.size(), a.size() + b.size(), data.size()};
  for (size_t n = 0; n <= data.size(); ++n) {
    Status end;
    uint64_t valid;
    auto cmds = ReadAll(std::string_view(data).substr(0, n), &end, &valid);
    size_t complete = 0;
    while (complete + 1 < boundaries.size() && boundaries[complete + 1] <= n) ++complete;
    EXPECT_EQ(cmds.size(), complete) << "prefix " << n;
    EXPECT_EQ(valid, boundaries[complete]) << "prefix " << n;
    const bool at_boundary = boundaries[complete] == n;
    EXPECT_EQ(end, at_boundary ? Status::kEnd : Status::kTruncated) << "prefix " << n;
  }
}

TEST(AofCommandTest, AnnotationAfterLastCommandIsNotPartOfTheValidPrefix) {
  const std::string a = Encode({"SET", "k", "v"});
  Status end;
  uint64_t valid;
  ReadAll(a + "#TS:17", &end, &valid);
  EXPECT_EQ(end, Status::kEnd);
  EXPECT_EQ(valid, a.size());
  ReadAll(a + "#TS:17\r\n*2\r\n$3", &end, &valid);
  EXPECT_EQ(end, Status::kTruncated);
  EXPECT_EQ(valid, a.size());
}

TEST(AofCommandTest, FormatErrorsWhereACommandMustStart) {
  const std::string ok = Encode({"SET", "k", "v"});
  for (std::string bad : std::vector<std::string>{
           "garbage\r\n", "*0\r\n", "*-3\r\n", "*\r\n", "*abc\r\n", "*2\r\n$3\r\nGET\r\nx3\r\n",
           "*1\r\n$-1\r\n", "*99999999999\r\n", std::string("*\0\r\n", 4)}) {
    Status end;
    auto cmds = ReadAll(ok + bad, &end);
    EXPECT_EQ(end, Status::kFormatError) << bad;
    EXPECT_EQ(cmds.size(), 1u) << bad;
  }
}

TEST(AofCommandTest, RedisLeniencesAreKept) {
  // Redis reads the counts with atoi/strtol and skips the CRLF after a payload unchecked.
  Status end;
  auto cmds = ReadAll("*2 trailing\r\n$3junk\r\nDEL\r\n$1\r\nkXY", &end);
  EXPECT_EQ(end, Status::kEnd);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_THAT(cmds[0], ElementsAre("DEL", "k"));
}

TEST(AofCommandTest, HugeClaimedLengthsDoNotAllocateAheadOfTheData) {
  // A length of an exabyte over a handful of bytes is a truncated file, read without trying
  // to reserve that much memory.
  Status end;
  auto cmds = ReadAll("*1\r\n$999999999999999999\r\nabc", &end);
  EXPECT_EQ(end, Status::kTruncated);
  EXPECT_TRUE(cmds.empty());
  cmds = ReadAll("*2147483647\r\n$1\r\na\r\n", &end);
  EXPECT_EQ(end, Status::kTruncated);
}

TEST(AofCommandTest, LongLinesAreSplitAsFgetsWould) {
  // A '#' annotation longer than a line buffer leaves its remainder as the next "line", which
  // is not a command: Redis fails on it the same way.
  Status end;
  ReadAll("#" + std::string(2000, 'x') + "\r\n", &end);
  EXPECT_EQ(end, Status::kFormatError);
}

TEST(AofCommandTest, ChunkedSourceGivesTheSameCommands) {
  std::string data;
  for (int i = 0; i < 500; ++i) {
    data += Encode({"SET", "key" + std::to_string(i), std::string(i * 7 % 300, 'v')});
  }
  size_t pos = 0;
  std::mt19937 rng(7);
  AofReader reader([&](char* buf, size_t n) -> int64_t {
    size_t k = std::min<size_t>({n, data.size() - pos, 1 + rng() % 97});
    std::memcpy(buf, data.data() + pos, k);
    pos += k;
    return static_cast<int64_t>(k);
  });
  std::vector<std::string> argv;
  int count = 0;
  while (reader.Next(&argv) == Status::kCommand) {
    ASSERT_EQ(argv[1], "key" + std::to_string(count));
    ASSERT_EQ(argv[2].size(), static_cast<size_t>(count * 7 % 300));
    ++count;
  }
  EXPECT_EQ(count, 500);
  EXPECT_EQ(reader.offset(), data.size());
}

TEST(AofCommandTest, IoErrorsAreReported) {
  AofReader reader([](char*, size_t) -> int64_t { return -1; });
  std::vector<std::string> argv;
  EXPECT_EQ(reader.Next(&argv), Status::kIoError);
}

TEST(AofCommandTest, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  const std::string alphabet = "*$#\r\n0123456789-abc";
  for (int round = 0; round < 2000; ++round) {
    std::string data;
    size_t len = rng() % 64;
    for (size_t i = 0; i < len; ++i) data.push_back(alphabet[rng() % alphabet.size()]);
    Status end;
    ReadAll(data, &end);
    EXPECT_NE(end, Status::kCommand);
  }
}

}  // namespace
}  // namespace rill::persistence
