// The replication backlog's ring: offsets, wrap-around, overflow and resizing.
#include <gtest/gtest.h>

#include <string>

#include "server/repl/backlog.h"

namespace rill {
namespace {

std::string From(const ReplicationBacklog& b, int64_t offset) {
  std::string out;
  b.CopyFrom(offset, &out);
  return out;
}

TEST(ReplicationBacklogTest, InactiveUntilResetAndCoversNothing) {
  ReplicationBacklog b;
  EXPECT_FALSE(b.active());
  b.Append("ignored");
  EXPECT_EQ(b.histlen(), 0u);
  EXPECT_FALSE(b.Covers(1));
}

TEST(ReplicationBacklogTest, HoldsBytesFromItsStartOffset) {
  ReplicationBacklog b;
  b.Reset(16, 101);  // master_repl_offset was 100
  b.Append("hello");
  EXPECT_EQ(b.first_byte_offset(), 101);
  EXPECT_EQ(b.histlen(), 5u);
  EXPECT_TRUE(b.Covers(101));
  EXPECT_TRUE(b.Covers(106));  // one past the newest: nothing to send, still continuable
  EXPECT_FALSE(b.Covers(107));
  EXPECT_FALSE(b.Covers(100));
  EXPECT_EQ(From(b, 101), "hello");
  EXPECT_EQ(From(b, 104), "lo");
  EXPECT_EQ(From(b, 106), "");
}

TEST(ReplicationBacklogTest, WrapsAroundKeepingTheNewestBytes) {
  ReplicationBacklog b;
  b.Reset(8, 1);
  b.Append("abcdef");
  b.Append("ghij");  // 10 bytes through an 8-byte ring: "ab" fell out
  EXPECT_EQ(b.histlen(), 8u);
  EXPECT_EQ(b.first_byte_offset(), 3);
  EXPECT_FALSE(b.Covers(2));
  EXPECT_EQ(From(b, 3), "cdefghij");
  EXPECT_EQ(From(b, 8), "hij");
  b.Append("0123456789ABC");  // more than the whole ring at once
  EXPECT_EQ(b.first_byte_offset(), 16);
  EXPECT_EQ(From(b, 16), "56789ABC");
}

TEST(ReplicationBacklogTest, ResizeKeepsTheNewestBytesAndOffsets) {
  ReplicationBacklog b;
  b.Reset(8, 1);
  b.Append("abcdefghij");
  b.Resize(4);
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(b.first_byte_offset(), 7);
  EXPECT_EQ(From(b, 7), "ghij");
  b.Resize(32);
  b.Append("kl");
  EXPECT_EQ(From(b, 7), "ghijkl");
}

}  // namespace
}  // namespace rill
