// INFO memory / stats / keyspace, MEMORY, OBJECT IDLETIME/FREQ, DEBUG OBJECT and the OOM refusal
// compared with redis-server: field names, order and reply structure byte for byte, with only
// the numbers that legitimately differ (byte counts, times, addresses) masked.
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

// Replaces every integer reply and every digit run inside bulk strings with "N", and re-counts
// bulk lengths, so that two replies compare by shape and names only.
std::string MaskNumbers(const std::string& reply) {
  static const std::regex kInteger(":-?\\d+\r\n");
  static const std::regex kDouble(",-?[0-9.e+-]+\r\n");
  std::string out = std::regex_replace(reply, kInteger, ":N\r\n");
  out = std::regex_replace(out, kDouble, ",D\r\n");
  // Bulk strings: mask digits in the body and drop the length.
  std::string result;
  size_t pos = 0;
  while (pos < out.size()) {
    if (out[pos] == '$' || out[pos] == '=') {
      const size_t line_end = out.find("\r\n", pos);
      const long len = std::stol(out.substr(pos + 1, line_end - pos - 1));
      if (len < 0) {
        result += out.substr(pos, line_end + 2 - pos);
        pos = line_end + 2;
        continue;
      }
      std::string body = out.substr(line_end + 2, static_cast<size_t>(len));
      body = std::regex_replace(body, std::regex("-?\\d+(\\.\\d+)?"), "N");
      result += out[pos];
      result += "L\r\n" + body + "\r\n";
      pos = line_end + 2 + static_cast<size_t>(len) + 2;
      continue;
    }
    const size_t line_end = out.find("\r\n", pos);
    result += out.substr(pos, line_end + 2 - pos);
    pos = line_end + 2;
  }
  return result;
}

// The section headers and field names of an INFO reply, in order (values dropped). Rill's one
// extra field, rill_version (its own version next to the Redis version it speaks), is left out.
std::string InfoKeys(const std::string& reply) {
  std::string keys;
  const size_t body = reply.find("\r\n") + 2;  // after the bulk header
  static const std::regex kLine("(#[^\r]*|[a-z0-9_|.-]+)(:[^\r]*)?\r\n");
  const std::string text = reply.substr(body);
  for (std::sregex_iterator it(text.begin(), text.end(), kLine), end; it != end; ++it) {
    if ((*it)[1] == "rill_version") continue;
    keys += (*it)[1].str() + "\n";
  }
  return keys;
}

class MemoryDiffTest : public DifferentialTest {
 protected:
  void TearDown() override {
    SendBoth({"CONFIG", "SET", "maxmemory", "0"});
    SendBoth({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
    SendBoth({"CONFIG", "SET", "lfu-log-factor", "10"});
    SendBoth({"CONFIG", "SET", "lfu-decay-time", "1"});
  }
  void ExpectSameMasked(const std::vector<std::string>& argv) {
    ExpectSameReplies(argv[0] + " " + (argv.size() > 1 ? argv[1] : ""), MaskNumbers(Rill(argv)),
                      MaskNumbers(Redis(argv)));
  }
  void ExpectSameInfoKeys(const std::vector<std::string>& argv) {
    ExpectSameReplies("INFO keys of " + (argv.size() > 1 ? argv[1] : std::string("")),
                      InfoKeys(Rill(argv)), InfoKeys(Redis(argv)));
  }
};

TEST_F(MemoryDiffTest, InfoMemoryHasRedisFieldsInRedisOrder) {
  ExpectSameInfoKeys({"INFO", "memory"});
  SendBoth({"SET", "k", "v"});
  SendBoth({"CONFIG", "SET", "maxmemory", "100mb"});
  SendBoth({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
  const std::string rill = Rill({"INFO", "memory"});
  EXPECT_NE(rill.find("\r\nmaxmemory:104857600\r\nmaxmemory_human:100.00M\r\n"
                      "maxmemory_policy:allkeys-lfu\r\n"),
            std::string::npos)
      << rill;
  ExpectSameInfoKeys({"INFO", "memory"});
}

TEST_F(MemoryDiffTest, InfoSectionsSelectionAndOrder) {
  for (const auto& argv : std::vector<std::vector<std::string>>{{"INFO"},
                                                                {"INFO", "default"},
                                                                {"INFO", "all"},
                                                                {"INFO", "everything"},
                                                                {"INFO", "server", "clients"},
                                                                {"INFO", "Keyspace", "CPU"},
                                                                {"INFO", "commandstats", "default"},
                                                                {"INFO", "nosuchsection"},
                                                                {"INFO", "stats"},
                                                                {"INFO", "clients"}}) {
    // Section headers and field names; commandstats/latencystats lines name the commands run,
    // which differ in number between the two servers, so only headers are compared for them.
    std::string rill = InfoKeys(Rill(argv)), redis = InfoKeys(Redis(argv));
    for (std::string* s : {&rill, &redis}) {
      *s = std::regex_replace(
          *s, std::regex("(cmdstat|latency_percentiles_usec|errorstat)_[^\n]*\n"), "");
    }
    ExpectSameReplies("INFO " + (argv.size() > 1 ? argv[1] : std::string()), rill, redis);
  }
}

TEST_F(MemoryDiffTest, InfoKeyspaceReportsKeysExpiresAndAvgTtl) {
  ExpectSame({"INFO", "keyspace"});
  SendBoth({"SET", "a", "1"});
  SendBoth({"SET", "b", "1", "EX", "1000"});
  SendBoth({"SELECT", "3"});
  SendBoth({"SET", "c", "1", "PX", "500000"});
  SendBoth({"SELECT", "0"});
  ExpectSameMasked({"INFO", "keyspace"});
  const std::string rill = Rill({"INFO", "keyspace"});
  EXPECT_NE(rill.find("db0:keys=2,expires=1,avg_ttl="), std::string::npos) << rill;
  EXPECT_NE(rill.find("db3:keys=1,expires=1,avg_ttl="), std::string::npos) << rill;
  SendBoth({"FLUSHALL"});
}

TEST_F(MemoryDiffTest, InfoStatsCountsHitsMissesAndExpiries) {
  SendBoth({"CONFIG", "RESETSTAT"});
  SendBoth({"SET", "k", "v"});
  SendBoth({"GET", "k"});
  SendBoth({"GET", "k"});
  SendBoth({"GET", "nope"});
  SendBoth({"EXISTS", "k"});
  SendBoth({"SET", "gone", "v", "PX", "1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  SendBoth({"GET", "gone"});
  for (const char* field : {"keyspace_hits:", "keyspace_misses:", "expired_keys:", "evicted_keys:",
                            "total_eviction_exceeded_time:", "current_eviction_exceeded_time:"}) {
    auto value = [field](const std::string& info) {
      const size_t at = info.find(std::string("\r\n") + field);
      return at == std::string::npos ? std::string("<missing>")
                                     : info.substr(at + 2, info.find("\r\n", at + 2) - at - 2);
    };
    ExpectSameReplies(field, value(Rill({"INFO", "stats"})), value(Redis({"INFO", "stats"})));
  }
}

TEST_F(MemoryDiffTest, MemorySubcommandsAndErrors) {
  ExpectSame({"MEMORY", "HELP"});
  ExpectSame({"MEMORY", "FOO"});
  ExpectSame({"MEMORY", "USAGE"});
  ExpectSame({"MEMORY", "USAGE", "nokey"});
  SendBoth({"SET", "k", "value"});
  SendBoth({"RPUSH", "l", "a", "b"});
  ExpectSameMasked({"MEMORY", "USAGE", "k"});
  ExpectSameMasked({"MEMORY", "USAGE", "l", "SAMPLES", "0"});
  ExpectSame({"MEMORY", "USAGE", "k", "SAMPLES"});
  ExpectSame({"MEMORY", "USAGE", "k", "SAMPLES", "-1"});
  ExpectSame({"MEMORY", "USAGE", "k", "SAMPLES", "x"});
  ExpectSame({"MEMORY", "USAGE", "k", "FOO", "1"});
  ExpectSame({"MEMORY", "DOCTOR"});  // a near-empty instance: the fixed message
  ExpectSame({"MEMORY", "PURGE"});
  ExpectSame({"MEMORY", "STATS", "x"});
  ExpectSameMasked({"MEMORY", "STATS"});
  SendBoth({"HELLO", "3"});
  ExpectSameMasked({"MEMORY", "STATS"});
  ExpectSame({"MEMORY", "DOCTOR"});
  SendBoth({"HELLO", "2"});
}

TEST_F(MemoryDiffTest, ObjectIdleTimeAndFreqFollowThePolicy) {
  SendBoth({"SET", "k", "v"});
  ExpectSame({"OBJECT", "IDLETIME", "k"});
  ExpectSame({"OBJECT", "FREQ", "k"});
  ExpectSame({"OBJECT", "IDLETIME", "nokey"});
  ExpectSame({"OBJECT", "FREQ", "nokey"});
  SendBoth({"CONFIG", "SET", "maxmemory-policy", "volatile-lfu"});
  // Factor 0 makes every access count and decay time 0 stops the minute clock from taking
  // steps off: the counters below are then exact on both servers.
  SendBoth({"CONFIG", "SET", "lfu-log-factor", "0"});
  SendBoth({"CONFIG", "SET", "lfu-decay-time", "0"});
  ExpectSame({"OBJECT", "IDLETIME", "k"});
  SendBoth({"SET", "f", "v"});
  ExpectSame({"OBJECT", "FREQ", "f"});  // a new key starts at 5
  ExpectSame({"OBJECT", "FREQ", "f"});  // OBJECT itself is no access
  SendBoth({"GET", "f"});
  SendBoth({"GET", "f"});
  ExpectSame({"OBJECT", "FREQ", "f"});  // each access counts
  SendBoth({"TYPE", "f"});
  SendBoth({"EXISTS", "f"});
  SendBoth({"TTL", "f"});
  ExpectSame({"OBJECT", "FREQ", "f"});  // nor are TYPE, EXISTS, TTL
  SendBoth({"SET", "f", "other"});
  ExpectSame({"OBJECT", "FREQ", "f"});  // an overwrite keeps the counter
  // (Not small integers: without maxmemory Redis shares those objects, and with them one LFU
  // counter for all keys holding the same number.)
  SendBoth({"MSET", "m", "x"});
  SendBoth({"MSET", "m", "y"});
  ExpectSame({"OBJECT", "FREQ", "m"});
  SendBoth({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  SendBoth({"SET", "r", "v"});
  ExpectSame({"OBJECT", "IDLETIME", "r"});
  ExpectSame({"OBJECT", "REFCOUNT", "r"});
}

TEST_F(MemoryDiffTest, DebugObjectLine) {
  // Address, LRU clock and idle seconds differ; encodings, refcounts and serialized lengths of
  // strings and small lists are Redis's.
  auto mask = [](const std::string& reply) {
    std::string out = std::regex_replace(reply, std::regex("Value at:0x[0-9a-f]+"), "Value at:P");
    return std::regex_replace(out, std::regex("lru:\\d+ lru_seconds_idle:\\d+"), "lru:L");
  };
  SendBoth({"SET", "s", "hello"});
  SendBoth({"SET", "n", "12345"});
  SendBoth({"SET", "big", "99999999999"});
  SendBoth({"SET", "long", std::string(100, 'a')});
  SendBoth({"SET", "text", "the quick brown fox jumps over the lazy dog again and again"});
  SendBoth({"APPEND", "app", "x"});
  SendBoth({"RPUSH", "l", "a", "b", "c", "1", "300"});
  for (const char* key : {"s", "n", "big", "long", "text", "app", "l"}) {
    ExpectSameReplies(std::string("DEBUG OBJECT ") + key, mask(Rill({"DEBUG", "OBJECT", key})),
                      mask(Redis({"DEBUG", "OBJECT", key})));
  }
  ExpectSame({"DEBUG", "OBJECT", "nokey"});
  ExpectSame({"DEBUG", "OBJECT"});
}

TEST_F(MemoryDiffTest, DebugPopulateCreatesRedisKeys) {
  ExpectSame({"DEBUG", "POPULATE", "10"});
  ExpectSame({"DEBUG", "POPULATE", "5", "p", "12"});
  ExpectSame({"DEBUG", "POPULATE", "3", "q", "3"});
  ExpectSame({"DBSIZE"});
  ExpectSame({"GET", "key:7"});
  ExpectSame({"GET", "p:4"});
  ExpectSame({"GET", "q:2"});
  SendBoth({"SET", "key:1", "mine"});
  ExpectSame({"DEBUG", "POPULATE", "3"});
  ExpectSame({"GET", "key:1"});  // existing keys are left alone
  ExpectSame({"DEBUG", "POPULATE", "-1"});
  ExpectSame({"DEBUG", "POPULATE", "x"});
  ExpectSame({"DEBUG", "POPULATE", "1", "k", "-5"});
  ExpectSame({"DEBUG", "LOG", "hello"});
}

TEST_F(MemoryDiffTest, OutOfMemoryRefusesDenyOomCommands) {
  SendBoth({"SET", "k", "v"});
  SendBoth({"RPUSH", "l", "a"});
  ExpectSame({"CONFIG", "SET", "maxmemory", "1"});
  ExpectSame({"SET", "x", "1"});
  ExpectSame({"APPEND", "k", "more"});
  ExpectSame({"RPUSH", "l", "b"});
  ExpectSame({"XADD", "s", "*", "f", "v"});
  ExpectSame({"GET", "k"});
  ExpectSame({"LRANGE", "l", "0", "-1"});
  ExpectSame({"EXPIRE", "k", "100"});  // not denyoom
  ExpectSame({"DEL", "k"});
  ExpectSame({"LPOP", "l"});
  ExpectSame({"MULTI"});
  ExpectSame({"GET", "k"});
  ExpectSame({"EXEC"});
  ExpectSame({"MULTI"});
  ExpectSame({"DISCARD"});
  ExpectSameMasked({"INFO", "stats"});
  ExpectSame({"CONFIG", "SET", "maxmemory", "0"});
  ExpectSame({"SET", "x", "1"});
  SendBoth({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"});
  SendBoth({"CONFIG", "SET", "maxmemory", "1"});
  ExpectSame({"SET", "y", "1"});  // everything evictable is evicted, then the write refused
  ExpectSame({"DBSIZE"});
}

}  // namespace
}  // namespace rill::testing
