#include "tests/fuzz/rdb_stream_target.h"

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datastructs/access_clock.h"
#include "datastructs/keyspace.h"
#include "persistence/rdb_loader.h"
#include "persistence/rdb_stream_loader.h"
#include "tests/fuzz/contract.h"
#include "tests/support/describe_db.h"

namespace rill::fuzz {
namespace {

using persistence::RdbLoadInfo;
using persistence::RdbLoadOptions;

void Check(bool ok, const char* what) { CheckContract(ok, "RDB stream loader", what); }

constexpr int64_t kNowMs = 1'600'000'000'000;  // as the rdb_loader target: some keys expire
constexpr int kDatabases = 16;

struct Load {
  Load() {
    for (int i = 0; i < kDatabases; ++i) {
      owned.push_back(std::make_unique<ds::Database>());
      ptrs.push_back(owned.back().get());
    }
  }
  std::string Describe() const {
    std::string out;
    for (int i = 0; i < kDatabases; ++i) {
      absl::StrAppend(&out, "db", i, "\n", persistence::testing::DescribeDb(*owned[i]));
      std::vector<std::string> bits;
      owned[i]->ForEach([&](const ds::Entry& e) {
        bits.push_back(absl::StrCat(std::string(e.key()), "=", e.access_bits()));
      });
      std::sort(bits.begin(), bits.end());
      for (const std::string& b : bits) absl::StrAppend(&out, b, "\n");
    }
    return out;
  }
  std::vector<std::unique_ptr<ds::Database>> owned;
  std::vector<ds::Database*> ptrs;
  RdbLoadInfo info;
  std::string error;
  bool ok = false;
};

bool SameInfo(const RdbLoadInfo& a, const RdbLoadInfo& b) {
  return a.version == b.version && a.keys_loaded == b.keys_loaded &&
         a.keys_expired == b.keys_expired && a.empty_keys_skipped == b.empty_keys_skipped &&
         a.bytes_consumed == b.bytes_consumed && a.checksum_verified == b.checksum_verified &&
         a.aof_base == b.aof_base && a.used_mem == b.used_mem && a.aux == b.aux &&
         a.functions == b.functions;
}

}  // namespace

void RunRdbStreamInput(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const uint8_t control = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const ds::AccessClock clock = [] {
    ds::AccessClock c;
    c.set_lfu(true);
    c.Update(kNowMs);
    return c;
  }();
  RdbLoadOptions options;
  options.now_ms = kNowMs;
  options.verify_checksum = (control & 1) != 0;
  options.access_clock = &clock;

  Load whole;
  whole.ok = persistence::LoadRdb(input, whole.ptrs, options, &whole.info, &whole.error);

  // Pieces: bits 1-2 pick single bytes, up to 16, up to 4096 or a mix with up to 64K; the rest
  // of the byte seeds their sizes.
  std::minstd_rand rng(control >> 3);
  const int style = (control >> 1) & 3;
  auto next = [&]() -> size_t {
    switch (style) {
      case 0:
        return 1;
      case 1:
        return 1 + rng() % 16;
      case 2:
        return 1 + rng() % 4096;
      default:
        return rng() % 2 ? 1 + rng() % 8 : 1 + rng() % 65536;
    }
  };
  Load streamed;
  {
    persistence::RdbStreamLoader loader(streamed.ptrs, options, &streamed.info);
    bool fed_ok = true;
    for (size_t at = 0; at < input.size();) {
      const size_t n = std::min(next(), input.size() - at);
      const bool ok = loader.Feed(input.substr(at, n));
      Check(fed_ok || !ok, "Feed succeeded after a failure");
      fed_ok = ok;
      Check(ok == !loader.failed(), "Feed's result disagrees with failed()");
      Check(loader.bytes_parsed() + loader.buffered() <= at + n, "holds bytes it was not given");
      at += n;
    }
    streamed.ok = loader.Finish(&streamed.error);
    Check(fed_ok || !streamed.ok, "Finish succeeded after a Feed failed");
  }
  Check(streamed.ok == whole.ok, "the stream and LoadRdb disagree on success");
  Check(streamed.error == whole.error, "the stream and LoadRdb fail with different errors");
  Check(SameInfo(streamed.info, whole.info), "the stream and LoadRdb report different loads");
  Check(streamed.Describe() == whole.Describe(), "the stream and LoadRdb loaded different data");
}

}  // namespace rill::fuzz
