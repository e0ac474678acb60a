#include "datastructs/key_hash.h"

#include <algorithm>
#include <bit>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace rill::ds {
namespace {

TEST(KeyHashTest, SameBytesSameHash) {
  const std::string a = "user:1000:profile";
  const std::string b = a;  // another buffer
  EXPECT_EQ(HashKey(a), HashKey(b));
  EXPECT_EQ(HashKey(""), HashKey(std::string_view()));
}

// Every length takes its own path (0, 1-3, 4-7, 8-16, longer with a partial last step):
// prefixes of one key, and keys that differ only in their length of zero bytes, all differ.
TEST(KeyHashTest, LengthsAndPrefixesDiffer) {
  std::string key;
  std::string zeros;
  std::set<uint64_t> seen;
  for (int n = 0; n <= 80; ++n) {
    seen.insert(HashKey(key));
    seen.insert(HashKey(zeros));
    key.push_back(static_cast<char>('a' + n % 26));
    zeros.push_back('\0');
  }
  EXPECT_EQ(seen.size(), 2u * 81 - 1);  // the two empty keys are the same key
}

// Flipping any single input bit changes about half of the output bits, for every length path.
TEST(KeyHashTest, EveryInputBitMatters) {
  for (int n : {1, 2, 3, 5, 7, 8, 12, 16, 17, 31, 32, 33, 64, 100}) {
    std::string key(n, 'k');
    for (int i = 0; i < n; ++i) key[i] = static_cast<char>('a' + (i * 7) % 26);
    const uint64_t base = HashKey(key);
    int min_changed = 64;
    for (int byte = 0; byte < n; ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = key;
        flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
        const int changed = std::popcount(base ^ HashKey(flipped));
        min_changed = std::min(min_changed, changed);
      }
    }
    EXPECT_GE(min_changed, 12) << "length " << n;
  }
}

// KeyIndex takes the directory from the low bits and the table position and tag from the high
// ones: both ends must spread sequential keys evenly.
TEST(KeyHashTest, LowAndHighBitsSpreadSequentialKeys) {
  constexpr int kKeys = 200000;
  constexpr int kBuckets = 1024;
  std::vector<int> low(kBuckets), high(kBuckets);
  for (int i = 0; i < kKeys; ++i) {
    const uint64_t h = HashKey(absl::StrCat("key:", i));
    ++low[h % kBuckets];
    ++high[h >> 54];
  }
  // Mean 195, standard deviation 14: a uniform hash keeps every bucket within +-40% (5.6
  // deviations; the seed is new each run, so the bound must hold for any seed, not one).
  for (const auto* buckets : {&low, &high}) {
    EXPECT_GT(*std::min_element(buckets->begin(), buckets->end()), 195 * 6 / 10);
    EXPECT_LT(*std::max_element(buckets->begin(), buckets->end()), 195 * 14 / 10);
  }
}

}  // namespace
}  // namespace rill::ds
