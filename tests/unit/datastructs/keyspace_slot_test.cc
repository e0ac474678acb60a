// KeySlot (one lookup for a read-then-write), WriteString (strings changed in place, as
// APPEND and SETRANGE do) and MutableString / MakeStringBuffer (bit commands).
#include <malloc.h>

#include <algorithm>
#include <string>

#include "common/shared_bytes.h"
#include "datastructs/keyspace.h"
#include "gtest/gtest.h"

namespace rill::ds {
namespace {

std::string ValueOf(const Entry* e) {
  char scratch[24];
  return std::string(e->StringView(scratch));
}

TEST(KeySlotTest, WritesThroughTheSlotOfAnAbsentOrPresentKey) {
  Database db;
  uint64_t changes = 0;
  db.set_change_counter(&changes);
  KeySlot slot = db.Locate("k", 0);
  EXPECT_EQ(slot.entry(), nullptr);
  EXPECT_EQ(slot.key(), "k");
  Entry* e = db.SetString(slot, "v1");
  EXPECT_EQ(slot.entry(), e);
  EXPECT_EQ(db.size(), 1u);
  EXPECT_EQ(changes, 1u);
  // Overwritten through a fresh slot; the old block may move, the slot follows.
  KeySlot again = db.Locate("k", 0);
  ASSERT_NE(again.entry(), nullptr);
  db.SetString(again, std::string(100, 'x'), TtlMode::kClear);
  EXPECT_EQ(ValueOf(again.entry()), std::string(100, 'x'));
  EXPECT_EQ(ValueOf(db.Peek("k")), std::string(100, 'x'));
  db.SetInt(again, 42);
  EXPECT_TRUE(db.Peek("k")->is_int());
  EXPECT_EQ(db.size(), 1u);
  db.Delete(again);
  EXPECT_EQ(again.entry(), nullptr);
  EXPECT_EQ(db.Peek("k"), nullptr);
  EXPECT_EQ(changes, 4u);
}

TEST(KeySlotTest, AnExpiredKeyLocatesAsAbsentAndIsGone) {
  Database db;
  db.SetString("k", "v", TtlMode::kSet, /*expire_ms=*/100);
  int expired = 0;
  db.set_expired_hook([&](std::string_view) { ++expired; });
  KeySlot slot = db.Locate("k", /*now_ms=*/200);
  EXPECT_EQ(slot.entry(), nullptr);
  EXPECT_EQ(expired, 1);
  EXPECT_EQ(db.size(), 0u);
  db.SetString(slot, "fresh");
  EXPECT_EQ(ValueOf(db.Peek("k")), "fresh");
  EXPECT_FALSE(db.Peek("k")->has_expire());
}

TEST(WriteStringTest, AppendsAndOverwritesKeepingExpiryAndReportingRaw) {
  Database db;
  db.SetString("k", "hello", TtlMode::kSet, 5000);
  KeySlot slot = db.Locate("k", 0);
  EXPECT_EQ(db.WriteString(slot, 5, " world"), 11u);
  EXPECT_EQ(ValueOf(db.Peek("k")), "hello world");
  EXPECT_TRUE(db.Peek("k")->is_buffer());
  EXPECT_EQ(db.Peek("k")->expire_ms(), 5000);
  EXPECT_EQ(db.WriteString(slot, 0, "J"), 11u);
  EXPECT_EQ(ValueOf(db.Peek("k")), "Jello world");
  // Past the end: zero padding.
  EXPECT_EQ(db.WriteString(slot, 14, "!"), 15u);
  EXPECT_EQ(ValueOf(db.Peek("k")), std::string("Jello world\0\0\0!", 15));
  EXPECT_EQ(db.volatile_size(), 1u);
}

TEST(WriteStringTest, AnIntegerBecomesBytes) {
  Database db;
  db.SetString("n", "12");
  ASSERT_TRUE(db.Peek("n")->is_int());
  KeySlot slot = db.Locate("n", 0);
  EXPECT_EQ(db.WriteString(slot, 2, "34"), 4u);
  EXPECT_FALSE(db.Peek("n")->is_int());
  EXPECT_EQ(ValueOf(db.Peek("n")), "1234");
}

// Many appends reallocate O(log n) times: the block keeps room to grow.
TEST(WriteStringTest, RepeatedAppendsGrowWithRoomToSpare) {
  Database db;
  db.SetString("log", "x");
  size_t moves = 0;
  const Entry* last = db.Peek("log");
  std::string expected = "x";
  for (int i = 0; i < 10000; ++i) {
    KeySlot slot = db.Locate("log", 0);
    const size_t length = slot.entry()->StringLength();
    db.WriteString(slot, length, "0123456789");
    expected += "0123456789";
    if (slot.entry() != last) ++moves;
    last = slot.entry();
  }
  EXPECT_EQ(ValueOf(db.Peek("log")), expected);
  EXPECT_LE(moves, 30u);
  // The room is bounded: at most twice the value plus the allocator's rounding.
  EXPECT_LE(db.Peek("log")->MemoryUsage(), 2 * expected.size() + 64);
}

// Crossing a varint boundary of the length (127 -> 128 bytes) in place moves the bytes.
TEST(WriteStringTest, LengthHeaderGrowsInPlace) {
  Database db;
  db.SetString("k", "1");  // an integer: the first write moves it to a block with room
  KeySlot slot = db.Locate("k", 0);
  db.WriteString(slot, 1, std::string(119, 'a'));  // 120 bytes, room for about 240
  const Entry* before = slot.entry();
  db.WriteString(slot, 120, std::string(14, 'b'));  // 134: the length takes 2 bytes now
  EXPECT_EQ(slot.entry(), before);
  EXPECT_EQ(ValueOf(db.Peek("k")), "1" + std::string(119, 'a') + std::string(14, 'b'));
}

// A big value kept as the argument's own buffer (shared_string.h) is copied into the key's block
// by the first in-place write, which lets go of the buffer; a SET through a slot keeps a lent
// buffer as SetString by name does.
TEST(WriteStringTest, ABigValueKeptAsItsBufferIsCopiedOnTheFirstWrite) {
  Database db;
  SharedBytes big = SharedBytes::Allocate(40000);
  std::fill(big.data(), big.data() + big.size(), 'z');
  {
    const SharedBytes lent[] = {big};
    LentBuffers::Scope scope(lent);
    KeySlot slot = db.Locate("big", 0);
    db.SetString(slot, big.view());
  }
  EXPECT_FALSE(big.unique());  // the key holds the buffer, not a copy
  KeySlot slot = db.Locate("big", 0);
  EXPECT_EQ(db.WriteString(slot, 40000, "!"), 40001u);
  EXPECT_TRUE(big.unique());
  EXPECT_EQ(ValueOf(db.Peek("big")), std::string(40000, 'z') + "!");
}

TEST(MutableStringTest, MakesAZeroedKeyOfExactlyTheLengthAsked) {
  Database db;
  uint64_t changes = 0;
  db.set_change_counter(&changes);
  KeySlot slot = db.Locate("bits", 0);
  std::span<uint8_t> bytes = db.MutableString(slot, 1000);
  ASSERT_EQ(bytes.size(), 1000u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(bytes.data()), 1000), std::string(1000, '\0'));
  bytes[999] = 'z';
  EXPECT_EQ(changes, 1u);
  const Entry* e = db.Peek("bits");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->is_buffer());
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(ValueOf(e), std::string(999, '\0') + "z");
  // Sized to the value, not doubled: a new key takes what it needs.
  EXPECT_LE(e->MemoryUsage(), 1000u + 32);
}

TEST(MutableStringTest, GrowsZeroPaddedKeepingExpiryAndNeverShrinks) {
  Database db;
  db.SetString("k", "12", TtlMode::kSet, 5000);  // stored as an integer
  KeySlot slot = db.Locate("k", 0);
  std::span<uint8_t> bytes = db.MutableString(slot, 4);
  ASSERT_EQ(bytes.size(), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(bytes.data()), 4), std::string("12\0\0", 4));
  bytes[3] = 'x';
  EXPECT_EQ(db.Peek("k")->expire_ms(), 5000);
  EXPECT_EQ(ValueOf(db.Peek("k")), std::string("12\0x", 4));
  // A shorter length asks for no change of length: the same bytes, writable.
  std::span<uint8_t> again = db.MutableString(slot, 1);
  EXPECT_EQ(again.size(), 4u);
  EXPECT_EQ(again[3], 'x');
}

TEST(MutableStringTest, MakeStringBufferKeepsTheBytesAndIsNoChange) {
  Database db;
  uint64_t changes = 0;
  db.SetString("short", "abc");
  db.SetString("int", "12345");
  db.set_change_counter(&changes);
  for (const char* key : {"short", "int"}) {
    KeySlot slot = db.Locate(key, 0);
    const std::string before = ValueOf(slot.entry());
    db.MakeStringBuffer(slot);
    EXPECT_TRUE(db.Peek(key)->is_buffer()) << key;
    EXPECT_EQ(ValueOf(db.Peek(key)), before);
  }
  EXPECT_EQ(changes, 0u);
}

}  // namespace
}  // namespace rill::ds
