// PeekStringRecord: the RDB loader's look ahead for prefetching. It must find the key and the end
// of every form of string record, and return false (never reading past the input) for anything
// else or anything cut short.
#include "persistence/rdb_peek.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace rill::persistence {
namespace {

using namespace std::string_literals;

struct Peeked {
  bool ok;
  std::string key;
  size_t end;
};

Peeked Peek(std::string_view in, size_t pos = 0) {
  std::string_view key;
  size_t end = 0;
  const bool ok = PeekStringRecord(in, pos, &key, &end);
  return {ok, ok ? std::string(key) : "", end};
}

// Type 0, key "abc", value "xy".
const std::string kPlain =
    "\x00\x03"
    "abc"
    "\x02"
    "xy"s;

TEST(RdbPeekTest, FindsTheKeyAndEndOfAPlainRecord) {
  const Peeked p = Peek(kPlain + "\xff"s);  // followed by EOF
  EXPECT_TRUE(p.ok);
  EXPECT_EQ(p.key, "abc");
  EXPECT_EQ(p.end, kPlain.size());
  // From an offset inside a larger input, and a second record right after the first.
  const std::string two = "\xfe\x00"s + kPlain + "\x00\x01k\x01v"s;
  EXPECT_EQ(Peek(two, 2).end, 2 + kPlain.size());
  const Peeked second = Peek(two, 2 + kPlain.size());
  EXPECT_TRUE(second.ok);
  EXPECT_EQ(second.key, "k");
  EXPECT_EQ(second.end, two.size());
}

TEST(RdbPeekTest, SkipsAnExpiryAndReadsEveryValueForm) {
  const std::string ms =
      "\xfc"
      "\x01\x02\x03\x04\x05\x06\x07\x08"s +
      kPlain;
  EXPECT_EQ(Peek(ms).key, "abc");
  EXPECT_EQ(Peek(ms).end, ms.size());
  const std::string s =
      "\xfd"
      "\x01\x02\x03\x04"s +
      kPlain;
  EXPECT_EQ(Peek(s).end, s.size());
  // 8, 16 and 32-bit integers.
  for (const std::string& value : {"\xc0\x7f"s, "\xc1\x01\x02"s, "\xc2\x01\x02\x03\x04"s}) {
    const std::string rec = "\x00\x01k"s + value;
    const Peeked p = Peek(rec);
    EXPECT_TRUE(p.ok);
    EXPECT_EQ(p.end, rec.size());
  }
  // LZF: compressed length 3, original length 10, then the 3 compressed bytes.
  const std::string lzf =
      "\x00\x01k\xc3\x03\x0a"
      "abc"s;
  EXPECT_EQ(Peek(lzf).end, lzf.size());
  // A 14-bit key length (0x40 | high bits, low byte): a 300-byte key.
  const std::string long_key = "\x00\x41\x2c"s + std::string(300, 'k') + "\x01v"s;
  const Peeked p = Peek(long_key);
  EXPECT_EQ(p.key, std::string(300, 'k'));
  EXPECT_EQ(p.end, long_key.size());
}

TEST(RdbPeekTest, OtherRecordsAreNotPeeked) {
  EXPECT_FALSE(Peek("\x12\x01k\x01\x02"s).ok);       // a list (quicklist 2)
  EXPECT_FALSE(Peek("\x00\xc0\x05\x01v"s).ok);       // an integer-encoded key
  EXPECT_FALSE(Peek("\x00\x01k\xc4"s).ok);           // an unknown value encoding
  EXPECT_FALSE(Peek("\xff"s).ok);                    // EOF
  EXPECT_FALSE(Peek("\xfe\x00"s).ok);                // SELECTDB
  EXPECT_FALSE(Peek(kPlain, kPlain.size()).ok);      // nothing left
  EXPECT_FALSE(Peek(kPlain, kPlain.size() + 5).ok);  // past the end
}

// Every prefix of every form is cut short: false, and (under AddressSanitizer) no read past it.
TEST(RdbPeekTest, EveryTruncationIsRefused) {
  const std::string forms[] = {
      kPlain,
      "\xfc"
      "\x01\x02\x03\x04\x05\x06\x07\x08"s +
          kPlain,
      "\x00\x01k\xc2\x01\x02\x03\x04"s,
      "\x00\x01k\xc3\x03\x0a"
      "abc"s,
      "\x00\x41\x2c"s + std::string(300, 'k') + "\x01v"s,
  };
  for (const std::string& form : forms) {
    ASSERT_TRUE(Peek(form).ok);
    for (size_t cut = 0; cut < form.size(); ++cut) {
      // A heap block of exactly `cut` bytes (a std::string would keep short ones inline, where
      // AddressSanitizer cannot see a read past the end).
      std::unique_ptr<char[]> exact(new char[cut]);
      std::copy(form.begin(), form.begin() + cut, exact.get());
      EXPECT_FALSE(Peek(std::string_view(exact.get(), cut)).ok)
          << "cut at " << cut << " of " << form.size();
    }
  }
}

}  // namespace
}  // namespace rill::persistence
