// calloc and reallocarray of the counting allocator files (server/observe/allocator): a product
// n * size that overflows fails with ENOMEM instead of allocating a wrapped-around size.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include "server/observe/allocator/byte_count.h"

namespace rill {
namespace {

TEST(AllocatorArrayTest, ArrayBytesMultipliesOrRefusesAnOverflow) {
  size_t bytes = 0;
  EXPECT_TRUE(alloc_internal::ArrayBytes(3, 7, &bytes));
  EXPECT_EQ(bytes, 21u);
  EXPECT_TRUE(alloc_internal::ArrayBytes(SIZE_MAX, 1, &bytes));
  EXPECT_EQ(bytes, SIZE_MAX);
  errno = 0;
  EXPECT_FALSE(alloc_internal::ArrayBytes(SIZE_MAX / 2 + 1, 2, &bytes));
  EXPECT_EQ(errno, ENOMEM);
}

TEST(AllocatorArrayTest, ReallocarrayOfTheLinkedAllocatorRefusesAnOverflow) {
  void* p = reallocarray(nullptr, 4, 8);
  ASSERT_NE(p, nullptr);
  errno = 0;
  EXPECT_EQ(reallocarray(p, SIZE_MAX / 4, 8), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  p = reallocarray(p, 8, 8);  // the block is still valid after the refusal
  ASSERT_NE(p, nullptr);
  free(p);
}

}  // namespace
}  // namespace rill
