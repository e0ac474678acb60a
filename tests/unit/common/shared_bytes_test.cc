#include "common/shared_bytes.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace rill {
namespace {

TEST(SharedBytesTest, AllocatesSharesAndFrees) {
  SharedBytes empty;
  EXPECT_FALSE(empty);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.data(), nullptr);

  SharedBytes bytes = SharedBytes::Allocate(5);
  ASSERT_TRUE(bytes);
  std::memcpy(bytes.data(), "hello", 5);
  EXPECT_EQ(bytes.view(), "hello");
  EXPECT_TRUE(bytes.unique());
  EXPECT_GE(bytes.allocated_bytes(), 5u);
  {
    SharedBytes copy = bytes;  // a reference, not a copy of the bytes
    EXPECT_EQ(copy.data(), bytes.data());
    EXPECT_FALSE(bytes.unique());
    SharedBytes moved = std::move(copy);
    EXPECT_FALSE(copy);
    EXPECT_EQ(moved.view(), "hello");
  }
  EXPECT_TRUE(bytes.unique());
  SharedBytes other = SharedBytes::Allocate(1);
  other = bytes;
  EXPECT_EQ(other.data(), bytes.data());
  EXPECT_FALSE(bytes.unique());
}

TEST(SharedBytesTest, ResizeKeepsTheBytes) {
  SharedBytes bytes;
  ASSERT_TRUE(bytes.Resize(3));  // an empty one is allocated
  std::memcpy(bytes.data(), "abc", 3);
  ASSERT_TRUE(bytes.Resize(4 << 20));  // big enough to be mmapped: remapped, not copied
  EXPECT_EQ(bytes.size(), 4u << 20);
  EXPECT_EQ(std::string(bytes.data(), 3), "abc");
  bytes.data()[(4 << 20) - 1] = 'z';
  ASSERT_TRUE(bytes.Resize(2));
  EXPECT_EQ(bytes.view(), "ab");
  EXPECT_TRUE(bytes.unique());
}

TEST(LentBuffersTest, FindsExactlyTheLentBytes) {
  std::vector<SharedBytes> lent{SharedBytes::Allocate(8), SharedBytes::Allocate(4)};
  std::memcpy(lent[0].data(), "01234567", 8);
  std::memcpy(lent[1].data(), "abcd", 4);
  EXPECT_EQ(LentBuffers::Find(lent[0].view()), nullptr);  // nothing lent yet
  {
    LentBuffers::Scope scope(lent);
    EXPECT_EQ(LentBuffers::Find(lent[0].view()), &lent[0]);
    EXPECT_EQ(LentBuffers::Find(lent[1].view()), &lent[1]);
    // Same bytes elsewhere, or a part of a lent buffer, are not the buffer.
    const std::string copy = "abcd";
    EXPECT_EQ(LentBuffers::Find(copy), nullptr);
    EXPECT_EQ(LentBuffers::Find(lent[0].view().substr(0, 4)), nullptr);
    EXPECT_EQ(LentBuffers::Find(lent[0].view().substr(1)), nullptr);
    {
      // An inner scope lends only its own buffers until it ends.
      std::vector<SharedBytes> inner{lent[1]};
      LentBuffers::Scope nested(inner);
      EXPECT_EQ(LentBuffers::Find(lent[0].view()), nullptr);
      EXPECT_EQ(LentBuffers::Find(lent[1].view()), &inner[0]);
    }
    EXPECT_EQ(LentBuffers::Find(lent[0].view()), &lent[0]);
  }
  EXPECT_EQ(LentBuffers::Find(lent[0].view()), nullptr);
}

}  // namespace
}  // namespace rill
