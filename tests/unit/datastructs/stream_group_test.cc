// Consumer group bookkeeping: the group PEL and the consumer PELs must always describe the same
// entries, whatever sequence of deliveries, claims, acknowledgements and deletions happens.
#include "datastructs/stream_group.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "datastructs/stream.h"

namespace rill::ds {
namespace {

TEST(ConsumerGroupTest, DeliverAckAndReassign) {
  ConsumerGroup g(StreamId::Min(), 0);
  StreamConsumer* a = g.CreateConsumer("a", 100);
  StreamConsumer* b = g.CreateConsumer("b", 100);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(g.CreateConsumer("a", 5), nullptr);
  g.Deliver({1, 0}, a, 200);
  g.Deliver({2, 0}, a, 200);
  EXPECT_EQ(a->pending.size(), 2u);
  // Delivered again to another consumer (group ID moved back): ownership moves, count resets.
  g.FindPending({1, 0})->delivery_count = 5;
  g.Deliver({1, 0}, b, 300);
  EXPECT_EQ(a->pending.size(), 1u);
  EXPECT_EQ(b->pending.size(), 1u);
  EXPECT_EQ(g.FindPending({1, 0})->delivery_count, 1u);
  EXPECT_EQ(g.FindPending({1, 0})->consumer, b);
  EXPECT_TRUE(g.CheckInvariants());
  EXPECT_TRUE(g.Acknowledge({1, 0}));
  EXPECT_FALSE(g.Acknowledge({1, 0}));
  EXPECT_TRUE(b->pending.empty());
  EXPECT_EQ(g.DeleteConsumer("a"), 1);
  EXPECT_EQ(g.DeleteConsumer("a"), -1);
  EXPECT_TRUE(g.pending().empty());
  EXPECT_TRUE(g.CheckInvariants());
}

TEST(ConsumerGroupTest, ConsumersListInByteOrder) {
  ConsumerGroup g(StreamId::Min(), 0);
  for (const char* name : {"b", "a", "ab", "\xff", "B", ""}) g.CreateConsumer(name, 0);
  std::string order;
  for (const auto& [name, c] : g.consumers()) order += "[" + name + "]";
  EXPECT_EQ(order, "[][B][a][ab][b][\xff]");
}

TEST(ConsumerGroupTest, RandomOperationsKeepPelsInAgreement) {
  std::mt19937_64 rng(7);
  ConsumerGroup g(StreamId::Min(), 0);
  std::map<StreamId, std::string> owner;  // model: pending ID -> consumer name
  const char* names[] = {"c0", "c1", "c2", "c3"};
  for (int step = 0; step < 20000; ++step) {
    std::string name = names[rng() % 4];
    StreamId id{rng() % 200, 0};
    bool created;
    switch (rng() % 6) {
      case 0:
      case 1: {
        StreamConsumer* c = g.FindOrCreateConsumer(name, 0, &created);
        g.Deliver(id, c, 1);
        owner[id] = name;
        break;
      }
      case 2:
        EXPECT_EQ(g.Acknowledge(id), owner.erase(id) == 1);
        break;
      case 3: {
        PendingEntry* e = g.FindPending(id);
        ASSERT_EQ(e != nullptr, owner.count(id) == 1);
        if (e != nullptr) {
          g.Transfer(*e, id, g.FindOrCreateConsumer(name, 0, &created));
          owner[id] = name;
        }
        break;
      }
      case 4:
        if (rng() % 20 == 0) {
          int64_t n = g.DeleteConsumer(name);
          int64_t expect = 0;
          for (auto it = owner.begin(); it != owner.end();) {
            if (it->second == name) {
              it = owner.erase(it);
              ++expect;
            } else {
              ++it;
            }
          }
          if (n >= 0) {
            EXPECT_EQ(n, expect);
          }
        }
        break;
      default:
        if (g.FindPending(id) == nullptr) {
          g.AddPending(id, g.FindOrCreateConsumer(name, 0, &created), 5);
          owner[id] = name;
        }
        break;
    }
    ASSERT_TRUE(g.CheckInvariants()) << "step " << step;
    ASSERT_EQ(g.pending().size(), owner.size());
  }
  for (const auto& [id, name] : owner) EXPECT_EQ(g.FindPending(id)->consumer->name, name);
}

TEST(ConsumerGroupTest, StreamCloneCopiesGroupsDeeply) {
  Stream s;
  ConsumerGroup* g = s.CreateGroup("g", {5, 0}, 3);
  StreamConsumer* c = g->CreateConsumer("c", 10);
  g->Deliver({1, 0}, c, 11);
  auto copy = s.Clone();
  auto* cs = static_cast<Stream*>(copy.get());
  ConsumerGroup* cg = cs->FindGroup("g");
  ASSERT_NE(cg, nullptr);
  ASSERT_NE(cg, g);
  EXPECT_TRUE(cg->CheckInvariants());
  EXPECT_EQ(cg->FindPending({1, 0})->consumer, cg->FindConsumer("c"));
  EXPECT_NE(cg->FindConsumer("c"), c);
  EXPECT_EQ(cg->last_id, (StreamId{5, 0}));
  EXPECT_EQ(cg->entries_read, 3);
  g->Acknowledge({1, 0});
  EXPECT_NE(cg->FindPending({1, 0}), nullptr);
  EXPECT_EQ(s.CreateGroup("g", {}, 0), nullptr);
  EXPECT_TRUE(s.DestroyGroup("g"));
  EXPECT_FALSE(s.DestroyGroup("g"));
}

}  // namespace
}  // namespace rill::ds
