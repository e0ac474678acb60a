// A big argument lent for the command being run (common/shared_bytes.h) becomes the string's
// storage instead of being copied into the key's block.
#include <cstring>
#include <string>
#include <vector>

#include "common/shared_bytes.h"
#include "datastructs/keyspace.h"
#include "gtest/gtest.h"

namespace rill::ds {
namespace {

constexpr int64_t kNow = 1000;

SharedBytes Filled(size_t size, char c) {
  SharedBytes bytes = SharedBytes::Allocate(size);
  std::memset(bytes.data(), c, size);
  return bytes;
}

TEST(KeyspaceSharedStringTest, KeepsTheLentBufferInsteadOfACopy) {
  Database db;
  std::vector<SharedBytes> lent{Filled(40000, 'v')};
  {
    LentBuffers::Scope scope(lent);
    db.SetString("k", lent[0].view(), TtlMode::kSet, 5000);
  }
  EXPECT_FALSE(lent[0].unique());  // the key holds a reference
  Entry* e = db.Find("k", kNow);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->type(), ValueType::kString);
  EXPECT_FALSE(e->is_int());
  EXPECT_FALSE(e->is_buffer());
  EXPECT_EQ(e->raw_bytes().data(), lent[0].data());
  EXPECT_EQ(e->raw_bytes().size(), 40000u);
  EXPECT_EQ(e->StringLength(), 40000u);
  EXPECT_EQ(e->expire_ms(), 5000);
  EXPECT_GE(e->MemoryUsage(), 40000u);
  // Dropping the key lets the buffer go.
  EXPECT_TRUE(db.Delete("k"));
  EXPECT_TRUE(lent[0].unique());
}

TEST(KeyspaceSharedStringTest, CopiesWhatIsNotExactlyALentBuffer) {
  Database db;
  std::vector<SharedBytes> lent{Filled(40000, 'v')};
  const std::string elsewhere(40000, 'v');
  LentBuffers::Scope scope(lent);
  db.SetString("copy", elsewhere);
  db.SetString("part", lent[0].view().substr(0, 39999));
  EXPECT_TRUE(lent[0].unique());
  EXPECT_NE(db.Find("copy", kNow)->raw_bytes().data(), elsewhere.data());
  EXPECT_EQ(db.Find("part", kNow)->raw_bytes(), std::string(39999, 'v'));
  EXPECT_NE(db.Find("part", kNow)->raw_bytes().data(), lent[0].data());
}

TEST(KeyspaceSharedStringTest, MovesCopiesAndOverwritesKeepTheBytes) {
  Database db;
  Database other;
  std::vector<SharedBytes> lent{Filled(50000, 'a'), Filled(60000, 'b')};
  {
    LentBuffers::Scope scope(lent);
    db.SetString("k", lent[0].view());
    // Overwritten within the same command: the first buffer is let go, the second kept.
    db.SetString("k", lent[1].view());
  }
  EXPECT_TRUE(lent[0].unique());
  EXPECT_EQ(db.Find("k", kNow)->raw_bytes().data(), lent[1].data());
  // SETEX-style rewrites of the block keep the same buffer.
  ASSERT_TRUE(db.SetExpire("k", 9000));
  ASSERT_TRUE(db.Persist("k"));
  EXPECT_EQ(db.Find("k", kNow)->raw_bytes().data(), lent[1].data());
  // A copy shares the buffer (string bytes are never changed in place).
  ASSERT_TRUE(db.CopyTo("k", db, "copy"));
  EXPECT_EQ(db.Find("copy", kNow)->raw_bytes().data(), lent[1].data());
  ASSERT_TRUE(db.Rename("copy", "renamed"));
  ASSERT_TRUE(db.MoveTo("renamed", other));
  EXPECT_EQ(other.Find("renamed", kNow)->raw_bytes(), std::string(60000, 'b'));
  // Overwritten by an ordinary value, then cleared: every reference goes.
  db.SetString("k", "small");
  EXPECT_EQ(db.Find("k", kNow)->raw_bytes(), "small");
  EXPECT_FALSE(lent[1].unique());
  other.Clear();
  EXPECT_TRUE(lent[1].unique());
}

}  // namespace
}  // namespace rill::ds
