#include "tests/fuzz/rdb_loader_target.h"

#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "datastructs/access_clock.h"
#include "datastructs/hash.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
#include "datastructs/stream.h"
#include "datastructs/zset.h"
#include "persistence/crc64.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_loader.h"
#include "persistence/rdb_writer.h"
#include "tests/fuzz/contract.h"
#include "tests/support/describe_db.h"

namespace rill::fuzz {
namespace {

using persistence::LoadRdb;
using persistence::RdbLoadInfo;
using persistence::RdbLoadOptions;

void Check(bool ok, const char* what) { CheckContract(ok, "RDB loader", what); }

// A fixed "now" (2020-09-13) so that the expired-key path is taken by some inputs and not by
// others, the same way on every run.
constexpr int64_t kNowMs = 1'600'000'000'000;
constexpr int kDatabases = 16;

struct Databases {
  Databases() {
    for (int i = 0; i < kDatabases; ++i) {
      owned.push_back(std::make_unique<ds::Database>());
      ptrs.push_back(owned.back().get());
    }
  }
  std::vector<const ds::Database*> const_ptrs() const { return {ptrs.begin(), ptrs.end()}; }
  uint64_t keys() const {
    uint64_t n = 0;
    for (const auto& db : owned) n += db->size();
    return n;
  }
  std::string Describe() const {
    std::string out;
    for (int i = 0; i < kDatabases; ++i) {
      absl::StrAppend(&out, "db", i, "\n", persistence::testing::DescribeDb(*owned[i]));
    }
    return out;
  }
  std::vector<std::unique_ptr<ds::Database>> owned;
  std::vector<ds::Database*> ptrs;
};

ds::AccessClock ClockAtNow(bool lfu) {
  ds::AccessClock clock;
  clock.set_lfu(lfu);
  clock.Update(kNowMs);
  return clock;
}

// The access records apply through an LRU clock without checksum verification and an LFU one
// with it, so that inputs reach both ways of applying them (the contents compared below do not
// include the access bits).
RdbLoadOptions Options(bool verify_checksum) {
  static const ds::AccessClock lru = ClockAtNow(false);
  static const ds::AccessClock lfu = ClockAtNow(true);
  RdbLoadOptions options;
  options.now_ms = kNowMs;
  options.verify_checksum = verify_checksum;
  options.access_clock = verify_checksum ? &lfu : &lru;
  return options;
}

// A failure names its problem and ends with " at offset N", N inside the input.
void CheckError(const std::string& error, size_t size) {
  Check(!error.empty(), "failed without an error message");
  const size_t at = error.rfind(" at offset ");
  Check(at != std::string::npos && at > 0, "error message without its offset");
  uint64_t offset;
  Check(absl::SimpleAtoi(absl::string_view(error).substr(at + 11), &offset),
        "error offset is not a number");
  Check(offset <= size, "error offset past the end of the input");
}

// The values themselves agree with what they report about themselves.
void CheckValues(const Databases& dbs) {
  for (const auto& db : dbs.owned) {
    db->ForEach([](const ds::Entry& e) {
      if (e.type() == ds::ValueType::kList) {
        const auto& list = *static_cast<const ds::List*>(e.object());
        size_t n = 0;
        list.ForEach([&](std::string_view) { ++n; });
        Check(n == list.size() && n > 0, "list size does not match its elements");
      } else if (e.type() == ds::ValueType::kHash) {
        const auto& hash = *static_cast<const ds::Hash*>(e.object());
        size_t n = 0;
        hash.ForEach([&](std::string_view field, std::string_view value) {
          std::string_view found;
          Check(hash.Get(field, &found) && found == value, "hash field not found by its name");
          ++n;
        });
        Check(n == hash.size() && n > 0, "hash size does not match its fields");
      } else if (e.type() == ds::ValueType::kSet) {
        const auto& set = *static_cast<const ds::Set*>(e.object());
        size_t n = 0;
        set.ForEach([&](std::string_view member) {
          Check(set.Contains(member), "set member not found");
          ++n;
        });
        Check(n == set.size() && n > 0, "set size does not match its members");
      } else if (e.type() == ds::ValueType::kStream) {
        const auto& stream = *static_cast<const ds::Stream*>(e.object());
        ds::Stream::Iterator it(stream, ds::StreamId::Min(), ds::StreamId::Max());
        ds::StreamEntryView entry;
        uint64_t n = 0;
        ds::StreamId prev;
        while (it.Next(&entry)) {
          Check(n == 0 || prev < entry.id, "stream entries are not in ID order");
          Check(entry.id <= stream.last_id(), "stream entry above the stream's last ID");
          prev = entry.id;
          ++n;
        }
        Check(n == stream.length(), "stream length does not match its entries");
        for (const auto& [name, group] : stream.groups()) {
          Check(group->CheckInvariants(), "consumer group PELs disagree");
        }
      } else if (e.type() == ds::ValueType::kZSet) {
        // Strictly ordered, every member found with its score and rank, no NaN.
        const auto& z = *static_cast<const ds::ZSet*>(e.object());
        z.CheckInvariants();
        size_t n = 0;
        double prev_score = 0;
        std::string prev_member;
        z.ForEach([&](double score, std::string_view member) {
          Check(!std::isnan(score), "sorted set score is NaN");
          Check(n == 0 || ds::CompareZKeys(prev_score, prev_member, score, member) < 0,
                "sorted set entries out of order");
          size_t rank;
          double found;
          Check(z.Rank(member, &rank, &found) && rank == n && found == score,
                "sorted set member not found at its rank");
          prev_score = score;
          prev_member.assign(member);
          ++n;
        });
        Check(n == z.size() && n > 0, "sorted set size does not match its entries");
      }
    });
  }
}

}  // namespace

void RunRdbLoaderInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Databases first;
  RdbLoadInfo info;
  std::string error;
  if (!LoadRdb(input, first.ptrs, Options(false), &info, &error)) {
    CheckError(error, size);
    return;
  }
  Check(error.empty(), "success with an error message");
  Check(info.keys_loaded == first.keys(), "keys_loaded does not match the databases");
  Check(info.bytes_consumed <= size && info.bytes_consumed > persistence::rdb::kHeaderSize,
        "bytes_consumed outside the input");
  Check(!info.checksum_verified, "checksum verified with verification off");
  CheckValues(first);
  const std::string contents = first.Describe();

  // The trailer, judged independently: with verification on, the same bytes load iff the
  // stored CRC64 is 0 or matches the bytes before it.
  bool crc_ok = true;
  uint64_t stored = 0;
  if (info.version >= 5) {
    const size_t body = info.bytes_consumed - persistence::rdb::kChecksumSize;
    for (int i = 7; i >= 0; --i) stored = (stored << 8) | data[body + i];
    crc_ok = stored == 0 || persistence::Crc64(0, input.substr(0, body)) == stored;
  }
  {
    Databases strict;
    RdbLoadInfo strict_info;
    std::string strict_error;
    const bool ok = LoadRdb(input, strict.ptrs, Options(true), &strict_info, &strict_error);
    Check(ok == crc_ok, "checksum verification disagrees with the CRC64 of the file");
    if (ok) {
      Check(strict_info.checksum_verified == (stored != 0), "checksum_verified is wrong");
      Check(strict.Describe() == contents, "verifying the checksum changed what was loaded");
    } else {
      CheckError(strict_error, size);
      Check(strict_error.find("checksum") != std::string::npos, "failed for another reason");
    }
  }

  // Round trip: what the writer makes of the loaded data loads back to the same data (every
  // kept key expires at or after kNowMs, so none is dropped the second time).
  persistence::StringSink sink;
  std::string write_error;
  uint64_t written = 0;
  Check(persistence::WriteRdb(first.const_ptrs(), persistence::RdbSaveOptions{}, &sink,
                              &write_error, &written),
        "writing the loaded data failed");
  Check(written == info.keys_loaded, "the writer wrote a different number of keys");
  Databases second;
  RdbLoadInfo second_info;
  std::string second_error;
  Check(LoadRdb(sink.data(), second.ptrs, Options(true), &second_info, &second_error),
        "the written file does not load");
  Check(second_info.checksum_verified, "the written file has no checksum");
  Check(second_info.bytes_consumed == sink.data().size(), "the written file has trailing bytes");
  Check(second_info.keys_loaded == info.keys_loaded && second_info.keys_expired == 0,
        "the written file holds a different number of keys");
  Check(second.Describe() == contents, "the written file loads to different contents");
}

}  // namespace rill::fuzz
