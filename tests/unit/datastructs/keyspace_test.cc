#include "datastructs/keyspace.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

// A container stand-in that counts live instances, so tests can see moves versus copies and
// catch leaks or double frees.
class FakeObject : public ObjectValue {
 public:
  FakeObject(ValueType type, std::string payload, int* live)
      : type_(type), payload_(std::move(payload)), live_(live) {
    ++*live_;
  }
  ~FakeObject() override { --*live_; }
  ValueType type() const override { return type_; }
  std::unique_ptr<ObjectValue> Clone() const override {
    return std::make_unique<FakeObject>(type_, payload_, live_);
  }
  size_t MemoryUsage() const override { return 1000; }
  std::string_view EncodingName() const override { return "fake"; }
  const std::string& payload() const { return payload_; }

 private:
  ValueType type_;
  std::string payload_;
  int* live_;
};

std::string ValueOf(const Entry* e) {
  char scratch[24];
  return std::string(e->StringView(scratch));
}

TEST(TypeNameTest, RedisNames) {
  EXPECT_EQ(TypeName(ValueType::kString), "string");
  EXPECT_EQ(TypeName(ValueType::kList), "list");
  EXPECT_EQ(TypeName(ValueType::kSet), "set");
  EXPECT_EQ(TypeName(ValueType::kZSet), "zset");
  EXPECT_EQ(TypeName(ValueType::kHash), "hash");
  EXPECT_EQ(TypeName(ValueType::kStream), "stream");
}

TEST(DatabaseTest, SetStringStoresCanonicalIntegersAsIntegers) {
  Database db;
  Entry* e = db.SetString("n", "12345");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->key(), "n");
  EXPECT_EQ(e->type(), ValueType::kString);
  EXPECT_TRUE(e->is_int());
  EXPECT_EQ(e->int_value(), 12345);
  EXPECT_EQ(ValueOf(e), "12345");
  EXPECT_EQ(e->StringLength(), 5u);

  e = db.SetString("z", "0123");
  EXPECT_FALSE(e->is_int());
  EXPECT_EQ(e->raw_bytes(), "0123");
  EXPECT_EQ(e->StringLength(), 4u);

  e = db.SetString("neg", "-9223372036854775808");
  EXPECT_TRUE(e->is_int());
  EXPECT_EQ(e->int_value(), INT64_MIN);
  EXPECT_EQ(ValueOf(e), "-9223372036854775808");
  EXPECT_EQ(db.size(), 3u);
}

TEST(DatabaseTest, StringFormsKeepBytesAndRememberBuffers) {
  Database db;
  Entry* bytes = db.SetString("f", "3", TtlMode::kClear, kNoExpire, StringForm::kBytes);
  EXPECT_FALSE(bytes->is_int());
  EXPECT_FALSE(bytes->is_buffer());
  EXPECT_EQ(bytes->raw_bytes(), "3");
  Entry* buffer = db.SetString("b", "12", TtlMode::kClear, kNoExpire, StringForm::kBuffer);
  EXPECT_FALSE(buffer->is_int());
  EXPECT_TRUE(buffer->is_buffer());
  EXPECT_EQ(buffer->raw_bytes(), "12");
  // Copies and renames keep the form; a plain overwrite goes back to the automatic one.
  ASSERT_TRUE(db.CopyTo("b", db, "b2"));
  EXPECT_TRUE(db.Peek("b2")->is_buffer());
  ASSERT_TRUE(db.Rename("b", "b3"));
  EXPECT_TRUE(db.Peek("b3")->is_buffer());
  EXPECT_EQ(db.Peek("b3")->raw_bytes(), "12");
  EXPECT_TRUE(db.SetString("b3", "12")->is_int());
}

TEST(DatabaseTest, OverwriteIntByRawAndBack) {
  Database db;
  db.SetInt("k", 7);
  EXPECT_EQ(ValueOf(db.Peek("k")), "7");
  const std::string long_value(300, 'x');
  db.SetString("k", long_value);
  Entry* e = db.Peek("k");
  EXPECT_FALSE(e->is_int());
  EXPECT_EQ(e->raw_bytes(), long_value);
  db.SetString("k", "short");
  EXPECT_EQ(db.Peek("k")->raw_bytes(), "short");
  db.SetInt("k", -42);
  e = db.Peek("k");
  EXPECT_TRUE(e->is_int());
  EXPECT_EQ(e->int_value(), -42);
  EXPECT_EQ(e->key(), "k");
  EXPECT_EQ(db.size(), 1u);
}

TEST(DatabaseTest, BinaryKeysAndValuesAndEmptyOnes) {
  Database db;
  const std::string key("a\0b", 3);
  const std::string value("\0\xff\n", 3);
  db.SetString(key, value);
  db.SetString("", "");
  EXPECT_EQ(db.Peek(key)->raw_bytes(), value);
  EXPECT_EQ(db.Peek("")->raw_bytes(), "");
  EXPECT_EQ(db.Peek("")->key(), "");
  EXPECT_EQ(db.Peek("a"), nullptr);
  const std::string long_key(100000, 'k');
  db.SetString(long_key, "v");
  EXPECT_EQ(db.Peek(long_key)->key(), long_key);
}

TEST(DatabaseTest, DeleteReportsPresence) {
  Database db;
  db.SetString("a", "1");
  EXPECT_TRUE(db.Delete("a"));
  EXPECT_FALSE(db.Delete("a"));
  EXPECT_EQ(db.Peek("a"), nullptr);
  EXPECT_EQ(db.size(), 0u);
}

TEST(DatabaseTest, ObjectsAreOwnedAndFreedOnOverwriteDeleteAndClear) {
  int live = 0;
  {
    Database db;
    Entry* e = db.SetObject("l", std::make_unique<FakeObject>(ValueType::kList, "one", &live));
    EXPECT_EQ(e->type(), ValueType::kList);
    EXPECT_EQ(static_cast<FakeObject*>(e->object())->payload(), "one");
    EXPECT_EQ(live, 1);
    db.SetObject("l", std::make_unique<FakeObject>(ValueType::kHash, "two", &live));
    EXPECT_EQ(live, 1);
    EXPECT_EQ(db.Peek("l")->type(), ValueType::kHash);
    db.SetString("l", "now a string");
    EXPECT_EQ(live, 0);
    db.SetObject("a", std::make_unique<FakeObject>(ValueType::kSet, "a", &live));
    db.SetObject("b", std::make_unique<FakeObject>(ValueType::kSet, "b", &live));
    EXPECT_TRUE(db.Delete("a"));
    EXPECT_EQ(live, 1);
    db.Clear();
    EXPECT_EQ(live, 0);
    EXPECT_EQ(db.size(), 0u);
    db.SetObject("c", std::make_unique<FakeObject>(ValueType::kSet, "c", &live));
  }
  EXPECT_EQ(live, 0);  // destructor frees the rest
}

TEST(DatabaseTest, TtlModes) {
  Database db;
  db.SetString("k", "v", TtlMode::kSet, 5000);
  EXPECT_EQ(db.Peek("k")->expire_ms(), 5000);
  EXPECT_EQ(db.volatile_size(), 1u);
  db.SetString("k", "v2", TtlMode::kKeep);
  EXPECT_EQ(db.Peek("k")->expire_ms(), 5000);
  EXPECT_EQ(db.Peek("k")->raw_bytes(), "v2");
  db.SetInt("k", 3, TtlMode::kSet, 9000);
  EXPECT_EQ(db.Peek("k")->expire_ms(), 9000);
  EXPECT_EQ(db.volatile_size(), 1u);
  db.SetString("k", "v3");  // kClear
  EXPECT_EQ(db.Peek("k")->expire_ms(), kNoExpire);
  EXPECT_FALSE(db.Peek("k")->has_expire());
  EXPECT_EQ(db.volatile_size(), 0u);
  db.SetString("new", "v", TtlMode::kKeep);
  EXPECT_EQ(db.Peek("new")->expire_ms(), kNoExpire);
  EXPECT_EQ(db.volatile_size(), 0u);
}

TEST(DatabaseTest, SetExpireAndPersist) {
  Database db;
  EXPECT_FALSE(db.SetExpire("missing", 10));
  EXPECT_FALSE(db.Persist("missing"));
  db.SetString("k", "hello");
  EXPECT_FALSE(db.Persist("k"));
  EXPECT_TRUE(db.SetExpire("k", 100));
  EXPECT_EQ(db.Peek("k")->expire_ms(), 100);
  EXPECT_EQ(db.Peek("k")->raw_bytes(), "hello");
  EXPECT_TRUE(db.SetExpire("k", 200));
  EXPECT_EQ(db.Peek("k")->expire_ms(), 200);
  EXPECT_EQ(db.volatile_size(), 1u);
  EXPECT_TRUE(db.Persist("k"));
  EXPECT_EQ(db.Peek("k")->expire_ms(), kNoExpire);
  EXPECT_EQ(db.Peek("k")->raw_bytes(), "hello");
  EXPECT_EQ(db.volatile_size(), 0u);
}

TEST(DatabaseTest, RenameMovesValueAndExpiryWithoutCopyingObjects) {
  int live = 0;
  Database db;
  db.SetObject("src", std::make_unique<FakeObject>(ValueType::kList, "payload", &live),
               TtlMode::kSet, 777);
  ObjectValue* object = db.Peek("src")->object();
  db.SetString("dst", "old", TtlMode::kSet, 555);
  ASSERT_EQ(db.volatile_size(), 2u);
  EXPECT_TRUE(db.Rename("src", "dst"));
  EXPECT_EQ(db.Peek("src"), nullptr);
  Entry* e = db.Peek("dst");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->object(), object);
  EXPECT_EQ(e->expire_ms(), 777);
  EXPECT_EQ(live, 1);
  EXPECT_EQ(db.size(), 1u);
  EXPECT_EQ(db.volatile_size(), 1u);
  EXPECT_FALSE(db.Rename("nope", "x"));
  EXPECT_TRUE(db.Rename("dst", "dst"));
  EXPECT_EQ(db.Peek("dst")->object(), object);
  db.SetString("plain", "12");
  EXPECT_TRUE(db.Rename("plain", "p2"));
  EXPECT_EQ(db.Peek("p2")->int_value(), 12);
  EXPECT_FALSE(db.Peek("p2")->has_expire());
  EXPECT_EQ(db.volatile_size(), 1u);
}

TEST(DatabaseTest, MoveToTransfersBlockAndExpiry) {
  Database a, b;
  a.SetString("k", "v", TtlMode::kSet, 1234);
  b.SetString("other", "x");
  EXPECT_TRUE(a.MoveTo("k", b));
  EXPECT_EQ(a.Peek("k"), nullptr);
  EXPECT_EQ(a.volatile_size(), 0u);
  EXPECT_EQ(b.Peek("k")->raw_bytes(), "v");
  EXPECT_EQ(b.Peek("k")->expire_ms(), 1234);
  EXPECT_EQ(b.volatile_size(), 1u);
  EXPECT_FALSE(a.MoveTo("k", b));  // absent in source
  a.SetString("other", "y");
  EXPECT_FALSE(a.MoveTo("other", b));  // present in destination
  EXPECT_EQ(b.Peek("other")->raw_bytes(), "x");
  EXPECT_EQ(a.Peek("other")->raw_bytes(), "y");
}

TEST(DatabaseTest, CopyToClonesObjectsKeepsExpiryAndReplaces) {
  int live = 0;
  Database a, b;
  a.SetObject("l", std::make_unique<FakeObject>(ValueType::kZSet, "p", &live), TtlMode::kSet, 99);
  b.SetString("dst", "old");
  EXPECT_TRUE(a.CopyTo("l", b, "dst"));
  EXPECT_EQ(live, 2);
  EXPECT_NE(b.Peek("dst")->object(), a.Peek("l")->object());
  EXPECT_EQ(static_cast<FakeObject*>(b.Peek("dst")->object())->payload(), "p");
  EXPECT_EQ(b.Peek("dst")->expire_ms(), 99);
  EXPECT_EQ(b.volatile_size(), 1u);
  EXPECT_TRUE(a.CopyTo("l", a, "l2"));
  EXPECT_EQ(live, 3);
  EXPECT_EQ(a.volatile_size(), 2u);
  a.SetString("s", "raw value");
  EXPECT_TRUE(a.CopyTo("s", a, "s2"));
  EXPECT_EQ(a.Peek("s2")->raw_bytes(), "raw value");
  EXPECT_FALSE(a.Peek("s2")->has_expire());
  EXPECT_FALSE(a.CopyTo("missing", b, "x"));
  b.Clear();
  EXPECT_EQ(live, 2);
}

TEST(DatabaseTest, SwapExchangesContentsButKeepsHooks) {
  Database a, b;
  int a_hook = 0, b_hook = 0;
  a.set_expired_hook([&](std::string_view) { ++a_hook; });
  b.set_expired_hook([&](std::string_view) { ++b_hook; });
  a.SetString("x", "1", TtlMode::kSet, 10);
  b.SetString("y", "2");
  b.SetString("z", "3");
  a.Swap(b);
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(b.volatile_size(), 1u);
  EXPECT_EQ(a.volatile_size(), 0u);
  EXPECT_EQ(b.Find("x", 11), nullptr);
  EXPECT_EQ(b_hook, 1);
  EXPECT_EQ(a_hook, 0);
}

TEST(DatabaseTest, ForEachAndRandomEntryCoverAllKeys) {
  Database db;
  EXPECT_EQ(db.RandomEntry(), nullptr);
  std::set<std::string> keys;
  for (int i = 0; i < 5000; ++i) {
    keys.insert("key:" + std::to_string(i));
    db.SetInt("key:" + std::to_string(i), i);
  }
  std::set<std::string> seen;
  db.ForEach([&](const Entry& e) { seen.insert(std::string(e.key())); });
  EXPECT_EQ(seen, keys);
  std::set<std::string> random_seen;
  for (int i = 0; i < 20000; ++i) {
    const Entry* e = db.RandomEntry();
    ASSERT_NE(e, nullptr);
    ASSERT_TRUE(keys.count(std::string(e->key())));
    random_seen.insert(std::string(e->key()));
  }
  // 20000 draws over 5000 keys: a uniform sampler sees ~98% of them.
  EXPECT_GT(random_seen.size(), 4500u);
  for (int i = 0; i < 4999; ++i) db.Delete("key:" + std::to_string(i));
  EXPECT_EQ(db.RandomEntry()->key(), "key:4999");
}

TEST(DatabaseTest, ManyKeysSurviveSplits) {
  Database db;
  constexpr int kKeys = 200000;
  for (int i = 0; i < kKeys; ++i) db.SetInt("k" + std::to_string(i), i);
  EXPECT_EQ(db.size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    const Entry* e = db.Peek("k" + std::to_string(i));
    ASSERT_NE(e, nullptr) << i;
    ASSERT_EQ(e->int_value(), i);
  }
  EXPECT_EQ(db.Peek("k" + std::to_string(kKeys)), nullptr);
}

TEST(DatabaseTest, MemoryUsageTracksBlocks) {
  int live = 0;
  Database db;
  const size_t empty = db.MemoryUsage();
  db.SetString("key", std::string(1000, 'v'));
  EXPECT_GE(db.MemoryUsage(), empty + 1000);
  EXPECT_GE(db.Peek("key")->MemoryUsage(), 1000u);
  EXPECT_LT(db.Peek("key")->MemoryUsage(), 1100u);
  db.SetObject("obj", std::make_unique<FakeObject>(ValueType::kList, "", &live));
  EXPECT_GE(db.Peek("obj")->MemoryUsage(), 1000u);
  const size_t with_both = db.MemoryUsage();
  db.Delete("key");
  EXPECT_LE(db.MemoryUsage(), with_both - 1000);
}

}  // namespace
}  // namespace rill::ds

namespace rill::ds {
namespace {

// Prefetching is only a hint: it finds, changes and touches nothing, whatever the keys (present,
// absent, empty, more than a batch), over an index that has split into many segments.
TEST(DatabaseTest, PrefetchKeysLeavesTheDataAndAccessBitsAlone) {
  Database db;
  for (int i = 0; i < 10000; ++i) db.SetInt("key:" + std::to_string(i), i);
  std::vector<uint32_t> access_before;
  for (int i = 0; i < 10000; i += 97) {
    access_before.push_back(db.Peek("key:" + std::to_string(i))->access_bits());
  }
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back("key:" + std::to_string(i * 250));
  names.push_back("absent");
  names.push_back("");
  std::vector<std::string_view> keys(names.begin(), names.end());
  db.PrefetchKeys(keys);
  db.PrefetchKeys({});
  EXPECT_EQ(db.size(), 10000u);
  size_t n = 0;
  for (int i = 0; i < 10000; i += 97) {
    const Entry* e = db.Peek("key:" + std::to_string(i));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->int_value(), i);
    EXPECT_EQ(e->access_bits(), access_before[n++]);
  }
  EXPECT_EQ(db.Peek("absent"), nullptr);
}

}  // namespace
}  // namespace rill::ds
