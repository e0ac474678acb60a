// Hostile and damaged RDB input: clear errors with offsets, never a crash or a huge allocation.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "persistence/listpack.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace rill::persistence {
namespace {

using testing::Dbs;
using testing::Hex;
using testing::RawRdb;

std::string LoadError(const std::string& file, RdbLoadOptions options = {}) {
  Dbs dbs;
  std::string error;
  if (testing::Load(file, &dbs, &error, options)) return "<loaded>";
  return error;
}

// A valid file with every type, for truncation and mutation sweeps.
std::string SampleFile() {
  Dbs dbs;
  dbs[0].SetString("str", "value");
  dbs[0].SetString("num", "12345");
  dbs[0].SetString("long", std::string(300, 'x'), ds::TtlMode::kSet, 4102444800000);
  auto list = std::make_unique<ds::List>();
  for (int i = 0; i < 50; ++i) list->PushBack("e" + std::to_string(i));
  dbs[0].SetObject("list", std::move(list));
  auto s = std::make_unique<ds::Stream>();
  for (uint64_t i = 1; i <= 20; ++i) {
    std::string v = std::to_string(i);
    std::string_view fv[] = {"f", v};
    s->LoadEntry({i, 0}, fv, {});
  }
  s->Delete({3, 0});
  ds::ConsumerGroup* g = s->CreateGroup("g", {10, 0}, 9);
  ds::StreamConsumer* c = g->CreateConsumer("c", 100);
  g->AddPending({4, 0}, c, 50);
  dbs[0].SetObject("stream", std::move(s));
  auto h = std::make_unique<ds::Hash>();
  h->Set("f", "v", ds::HashLimits{});
  h->Set("n", "12", ds::HashLimits{});
  dbs[0].SetObject("hash", std::move(h));
  auto big = std::make_unique<ds::Hash>();
  for (int i = 0; i < 600; ++i) big->Set(std::to_string(i), "v", ds::HashLimits{});
  dbs[0].SetObject("bighash", std::move(big));
  auto set = std::make_unique<ds::Set>();
  for (const char* m : {"1", "2", "3000"}) set->Add(m, ds::SetLimits{});
  dbs[0].SetObject("intset", std::move(set));
  auto strs = std::make_unique<ds::Set>();
  for (const char* m : {"a", "b", "c"}) strs->Add(m, ds::SetLimits{});
  dbs[0].SetObject("set", std::move(strs));
  dbs[1].SetString("other", "db");
  StringSink sink;
  std::string error;
  auto ptrs = dbs.const_ptrs();
  EXPECT_TRUE(WriteRdb(ptrs, {}, &sink, &error));
  return sink.Take();
}

TEST(RdbBadInput, SignatureAndVersion) {
  EXPECT_EQ(LoadError(""), "wrong signature (not an RDB file) at offset 0");
  EXPECT_EQ(LoadError("REDIS"), "wrong signature (not an RDB file) at offset 0");
  EXPECT_EQ(LoadError("HELLO0010\xff"), "wrong signature (not an RDB file) at offset 0");
  EXPECT_EQ(LoadError("REDIS00x0\xff"), "wrong signature (not an RDB file) at offset 0");
  EXPECT_EQ(LoadError(RawRdb(12).Finish()), "can't handle RDB format version 12 at offset 5");
  EXPECT_EQ(LoadError(RawRdb(0).Finish()), "can't handle RDB format version 0 at offset 5");
}

TEST(RdbBadInput, BadChecksumNamesBothValues) {
  std::string file = SampleFile();
  file[file.size() - 1] ^= 0x40;
  const std::string error = LoadError(file);
  EXPECT_NE(error.find("wrong RDB checksum (stored "), std::string::npos) << error;
  EXPECT_NE(error.find("at offset " + std::to_string(file.size() - 8)), std::string::npos) << error;
  // With rdbchecksum no, the stored value is not checked (Redis does the same).
  RdbLoadOptions no_check;
  no_check.verify_checksum = false;
  EXPECT_EQ(LoadError(file, no_check), "<loaded>");
  // A damaged byte inside the data is caught by the checksum even if it still parses.
  std::string flipped = SampleFile();
  const size_t pos = flipped.find("value");
  ASSERT_NE(pos, std::string::npos);
  flipped[pos] = 'V';
  EXPECT_NE(LoadError(flipped).find("wrong RDB checksum"), std::string::npos);
}

TEST(RdbBadInput, EveryTruncationFailsCleanly) {
  const std::string file = SampleFile();
  ASSERT_EQ(LoadError(file), "<loaded>");
  for (size_t len = 0; len < file.size(); ++len) {
    const std::string error = LoadError(file.substr(0, len));
    ASSERT_NE(error, "<loaded>") << "prefix of " << len << " bytes loaded";
    ASSERT_NE(error.find("at offset"), std::string::npos) << error;
    // Past the header, every cut reads as what it is, wherever it falls (inside a read, or
    // after a count the rest cannot hold).
    if (len >= rdb::kHeaderSize) {
      ASSERT_TRUE(error.starts_with("unexpected end of file (the file is truncated)"))
          << len << ": " << error;
    }
  }
  // The failing read is reported where it began: the 8-byte checksum.
  EXPECT_EQ(LoadError(file.substr(0, file.size() - 3)),
            "unexpected end of file (the file is truncated) at offset " +
                std::to_string(file.size() - 8));
}

TEST(RdbBadInput, MutatedFilesNeverCrash) {
  // Without the checksum the parser sees every damaged byte; it must reject or load, never
  // crash or hang (run under the sanitizers, this is the libFuzzer harness's seed corpus).
  const std::string file = SampleFile();
  RdbLoadOptions options;
  options.verify_checksum = false;
  std::mt19937 rng(12345);
  int loaded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string m = file;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      m[rdb::kHeaderSize + rng() % (m.size() - rdb::kHeaderSize)] = static_cast<char>(rng());
    }
    Dbs dbs;
    std::string error;
    if (testing::Load(m, &dbs, &error, options)) ++loaded;
  }
  EXPECT_LT(loaded, 3000);
}

TEST(RdbBadInput, GarbageAfterHeader) {
  std::mt19937 rng(99);
  for (int round = 0; round < 500; ++round) {
    std::string g = "REDIS0010";
    for (int i = 0; i < 200; ++i) g.push_back(static_cast<char>(rng()));
    EXPECT_NE(LoadError(g), "<loaded>");
  }
}

TEST(RdbBadInput, TypesRillDoesNotHave) {
  RawRdb f;
  f.SelectDb(0).Byte(0).Str("ok").Str("v");
  const size_t offset = f.bytes().size();
  f.Byte(rdb::kTypeModule2).Str("mymod").Str("whatever");
  EXPECT_EQ(LoadError(f.Finish()),
            "key 'mymod' is a module value (RDB type 7), a type Rill does not "
            "have yet at offset " +
                std::to_string(offset));
  EXPECT_NE(LoadError(RawRdb().Byte(rdb::kTypeModule2).Str("m").Finish()).find("module"),
            std::string::npos);
  EXPECT_EQ(LoadError(RawRdb().Byte(rdb::kOpModuleAux).Finish()),
            "the file holds module data, which Rill cannot load at offset 9");
  // A FUNCTION library's code is a string like any other: a broken one is refused as such.
  EXPECT_EQ(LoadError(RawRdb().Byte(rdb::kOpFunction2).Finish()),
            "unknown string encoding 63 at offset 10");
  EXPECT_EQ(LoadError(RawRdb().Byte(8).Finish()), "unknown RDB value type 8 at offset 9");
  EXPECT_EQ(LoadError(RawRdb().SelectDb(16).Finish(), {}),
            "the file selects database 16, but only 16 are configured (databases) at offset 9");
}

TEST(RdbBadInput, HostileCountsAndLengths) {
  // A list claiming 2^40 elements: refused before anything is reserved.
  EXPECT_EQ(LoadError(RawRdb().Byte(rdb::kTypeList).Str("l").Len(uint64_t{1} << 40).Finish()),
            "unexpected end of file (the file is truncated): a count of 1099511627776 items that "
            "the 9 bytes left cannot hold at offset 12");
  // A string longer than the file.
  EXPECT_NE(LoadError(RawRdb().Byte(0).Str("k").Len(1000000).Raw("abc").Finish()).find("truncated"),
            std::string::npos);
  // LZF claiming 4 GB from 3 bytes.
  EXPECT_NE(
      LoadError(
          RawRdb().Byte(0).Str("k").Byte(0xc3).Len(3).Len(uint64_t{4} << 30).Raw("abc").Finish())
          .find("LZF string of 3 bytes claiming"),
      std::string::npos);
  // Corrupt LZF data of a plausible size.
  EXPECT_EQ(
      LoadError(RawRdb().Byte(0).Str("k").Byte(0xc3).Len(3).Len(10).Raw("\xff\xff\xff").Finish()),
      "corrupt LZF-compressed string at offset 12");
  // Length bytes 10xxxxxx other than 0x80/0x81 are no length.
  EXPECT_EQ(LoadError(RawRdb().Byte(0).Raw("\x85").Finish()),
            "unknown length encoding 0x85 at offset 10");
  EXPECT_EQ(LoadError(RawRdb().Byte(0).Raw("\xc7").Finish()),
            "unknown string encoding 7 at offset 10");
  // A quicklist node with an unknown container, and one that is not a listpack.
  EXPECT_NE(LoadError(RawRdb().Byte(rdb::kTypeListQuicklist2).Str("l").Len(1).Len(3).Finish())
                .find("unknown quicklist container 3"),
            std::string::npos);
  EXPECT_NE(LoadError(RawRdb()
                          .Byte(rdb::kTypeListQuicklist2)
                          .Str("l")
                          .Len(1)
                          .Len(2)
                          .Str("not a listpack")
                          .Finish())
                .find("bad list node: listpack header size"),
            std::string::npos);
}

TEST(RdbBadInput, InconsistentStreams) {
  auto stream_file = [](uint64_t length, uint64_t last_ms, bool owner) {
    std::string buf;
    ListpackBuilder lp(&buf);
    for (int64_t v : {1, 0, 1}) lp.AppendInteger(v);
    lp.AppendString("f");
    lp.AppendInteger(0);
    for (int64_t v : {2, 0, 0}) lp.AppendInteger(v);
    lp.AppendString("v");
    lp.AppendInteger(4);
    RawRdb f;
    f.Byte(rdb::kTypeStreamListpacks2).Str("s").Len(1).Len(16).Id(5, 0).Str(lp.Finish());
    f.Len(length).Len(last_ms).Len(0).Len(5).Len(0).Len(0).Len(0).Len(1);
    f.Len(1).Str("g").Len(0).Len(0).Len(0).Len(1).Id(5, 0).LittleEndian(1, 8).Len(1);
    if (owner) {
      f.Len(1).Str("c").LittleEndian(1, 8).Len(1).Id(5, 0);
    } else {
      f.Len(0);
    }
    return f.Finish();
  };
  EXPECT_EQ(LoadError(stream_file(1, 5, true)), "<loaded>");
  EXPECT_NE(LoadError(stream_file(2, 5, true)).find("stream length 2 does not match its 1"),
            std::string::npos);
  EXPECT_NE(LoadError(stream_file(1, 4, true)).find("last ID is below its last entry"),
            std::string::npos);
  EXPECT_NE(LoadError(stream_file(1, 5, false))
                .find("pending entry 5-0 of group 'g' has no "
                      "consumer"),
            std::string::npos);
}

}  // namespace
}  // namespace rill::persistence
