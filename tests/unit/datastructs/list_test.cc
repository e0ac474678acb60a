#include "datastructs/list.h"

#include <deque>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

std::vector<std::string> Contents(const List& list) {
  std::vector<std::string> out;
  list.ForEach([&](std::string_view v) { out.emplace_back(v); });
  return out;
}

void ExpectSame(const List& list, const std::deque<std::string>& model) {
  ASSERT_EQ(list.size(), model.size());
  EXPECT_EQ(Contents(list), std::vector<std::string>(model.begin(), model.end()));
  for (size_t i = 0; i < model.size(); ++i) ASSERT_EQ(list.At(i), model[i]) << "index " << i;
  if (model.empty()) return;
  std::vector<std::string> backwards;
  list.ForRange(0, model.size() - 1, true, [&](size_t i, std::string_view v) {
    EXPECT_EQ(v, model[i]);
    backwards.emplace_back(v);
    return true;
  });
  EXPECT_EQ(backwards.size(), model.size());
}

TEST(ListTest, PushPopAtBothEnds) {
  List list;
  list.PushBack("b");
  list.PushFront("a");
  list.PushBack("c");
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.At(0), "a");
  EXPECT_EQ(list.At(2), "c");
  EXPECT_EQ(list.PopBack(), "c");
  EXPECT_EQ(list.PopFront(), "a");
  EXPECT_EQ(list.PopFront(), "b");
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.node_count(), 0u);
}

TEST(ListTest, NodesSplitAtTheCountLimit) {
  List list(ListLimits{3});
  for (int i = 0; i < 10; ++i) list.PushBack(std::to_string(i));
  EXPECT_EQ(list.node_count(), 4u);  // 3 + 3 + 3 + 1
  for (int i = 0; i < 10; ++i) EXPECT_EQ(list.At(i), std::to_string(i));
}

TEST(ListTest, NodesSplitAtTheByteLimit) {
  List list(ListLimits{-1});  // 4 KB nodes
  const std::string value(1000, 'x');
  for (int i = 0; i < 8; ++i) list.PushBack(value);
  // Each entry is 1000 bytes + 2 (length varint) + 2 (backlen): four fit in 4096 bytes.
  EXPECT_EQ(ListEntryBytes(1000), 1004u);
  EXPECT_EQ(list.node_count(), 2u);
}

TEST(ListTest, ElementBiggerThanANodeGetsItsOwnNode) {
  List list(ListLimits{-1});
  list.PushBack("a");
  list.PushBack(std::string(100000, 'y'));
  list.PushBack("b");
  EXPECT_EQ(list.node_count(), 3u);
  EXPECT_EQ(list.At(1).size(), 100000u);
  EXPECT_EQ(list.PopBack(), "b");
  EXPECT_EQ(list.PopBack().size(), 100000u);
  EXPECT_EQ(list.At(0), "a");
}

TEST(ListTest, EmptyAndBinaryElements) {
  List list;
  list.PushBack("");
  list.PushBack(std::string("a\0b", 3));
  list.PushFront(std::string(200, '\xff'));  // two-byte length and backlen
  EXPECT_EQ(list.At(1), "");
  EXPECT_EQ(list.At(2), std::string("a\0b", 3));
  EXPECT_EQ(list.PopFront(), std::string(200, '\xff'));
}

TEST(ListTest, CopyIsDeep) {
  List list(ListLimits{2});
  for (int i = 0; i < 5; ++i) list.PushBack(std::to_string(i));
  auto copy = list.Clone();
  list.Set(0, "changed");
  auto* other = static_cast<List*>(copy.get());
  EXPECT_EQ(other->At(0), "0");
  EXPECT_EQ(other->size(), 5u);
  EXPECT_GT(list.MemoryUsage(), 0u);
}

// The spare room at the nodes' ends stays bounded: a list built by head pushes, by tail pushes,
// or cycled through as a queue takes little more than its compact copy (which has none).
TEST(ListTest, SpareRoomStaysBounded) {
  const std::string value = "element:000000";
  for (int direction = 0; direction < 2; ++direction) {
    SCOPED_TRACE(direction == 0 ? "head pushes" : "tail pushes");
    List list;  // 8 KB nodes
    for (int i = 0; i < 20000; ++i) direction == 0 ? list.PushFront(value) : list.PushBack(value);
    const List copy(list);
    ASSERT_EQ(copy.size(), list.size());
    const double ratio =
        static_cast<double>(list.MemoryUsage()) / static_cast<double>(copy.MemoryUsage());
    // Full nodes give their room back; only the node being pushed into keeps up to an eighth.
    EXPECT_LT(ratio, 1.02) << list.MemoryUsage() << " vs " << copy.MemoryUsage();
    EXPECT_GE(ratio, 1.0);
  }
  // A queue: head pushes, tail pops, with a backlog of 1,000 (two nodes).
  List queue;
  for (int i = 0; i < 1000; ++i) queue.PushFront(value);
  size_t most = 0;
  for (int i = 0; i < 100000; ++i) {
    queue.PushFront(value);
    ASSERT_EQ(queue.PopBack(), value);
    most = std::max(most, queue.MemoryUsage());
  }
  EXPECT_EQ(queue.size(), 1000u);
  EXPECT_LT(most, 3 * List(queue).MemoryUsage());
  // Draining from the head hands the room back as it grows past half the node.
  for (int i = 0; i < 990; ++i) queue.PopFront();
  EXPECT_LT(queue.MemoryUsage(), List(queue).MemoryUsage() + 256);
}

// Every operation against a std::deque model, with tiny nodes so that node boundaries are hit
// all the time, under several limits.
class ListModelTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(ListModelTest, RandomOperationsMatchADeque) {
  std::mt19937 rng(static_cast<uint32_t>(GetParam() + 1000));
  List list(ListLimits{GetParam()});
  std::deque<std::string> model;
  auto random_value = [&] {
    size_t len = rng() % 4 == 0 ? rng() % 300 : rng() % 8;
    return std::string(len, static_cast<char>('a' + rng() % 26));
  };
  for (int step = 0; step < 4000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    const size_t n = model.size();
    if (op == 0) {
      std::string v = random_value();
      list.PushFront(v);
      model.push_front(v);
    } else if (op == 1) {
      std::string v = random_value();
      list.PushBack(v);
      model.push_back(v);
    } else if (op == 2 && n > 0) {
      ASSERT_EQ(list.PopFront(), model.front());
      model.pop_front();
    } else if (op == 3 && n > 0) {
      ASSERT_EQ(list.PopBack(), model.back());
      model.pop_back();
    } else if (op == 4 && n > 0) {
      size_t i = rng() % n;
      std::string v = random_value();
      list.Set(i, v);
      model[i] = v;
    } else if (op == 5) {
      size_t i = rng() % (n + 1);
      std::string v = random_value();
      list.Insert(i, v);
      model.insert(model.begin() + static_cast<ptrdiff_t>(i), v);
    } else if (op == 6 && n > 0) {
      size_t i = rng() % n;
      size_t count = rng() % 12;
      list.Erase(i, count);
      size_t real = std::min(count, n - i);
      model.erase(model.begin() + static_cast<ptrdiff_t>(i),
                  model.begin() + static_cast<ptrdiff_t>(i + real));
    } else if (op == 7 && n > 0) {
      size_t a = rng() % n;
      size_t b = a + rng() % (n - a);
      size_t visited = 0;
      list.ForRange(a, b, rng() % 2 == 0, [&](size_t i, std::string_view v) {
        EXPECT_EQ(v, model[i]);
        return ++visited < 5;
      });
      EXPECT_EQ(visited, std::min<size_t>(5, b - a + 1));
    } else if (op == 8) {
      // A copy (which leaves the spare room behind) holds the same elements.
      if (step % 50 == 0) ExpectSame(List(list), model);
    }
    if (step % 500 == 0) ExpectSame(list, model);
  }
  ExpectSame(list, model);
}

INSTANTIATE_TEST_SUITE_P(Limits, ListModelTest, ::testing::Values(1, 2, 5, 128, -1, -2, -5));

}  // namespace
}  // namespace rill::ds
