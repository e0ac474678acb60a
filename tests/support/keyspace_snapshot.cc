#include "tests/support/keyspace_snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

// Runs a command that must not fail.
std::string Must(RespClient& c, const std::vector<std::string>& argv) {
  std::string reply = c.Command(argv);
  EXPECT_FALSE(reply.empty() || reply[0] == '-')
      << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << " -> " << EscapeBytes(reply);
  return reply;
}

std::string Id(uint64_t ms, uint64_t seq) { return std::to_string(ms) + "-" + std::to_string(seq); }

}  // namespace

void FillEveryType(RespClient& c) {
  const int64_t future = 4102444800000;  // 2100-01-01, absolute
  Must(c, {"SELECT", "0"});
  // Strings: integer encodings of each width, raw forms, binary, long compressible.
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"int:small", "7"},
           {"int:neg", "-100"},
           {"int:16", "30000"},
           {"int:32", "-2000000000"},
           {"int:64", "9223372036854775807"},
           {"int:leading-zero", "007"},
           {"raw", "hello world"},
           {"empty", ""},
           {std::string("bin\0key\xff", 8), std::string("\0\r\n\x01\xfe", 5)},
           {"long:compressible", std::string(20000, 'a') + "tail"},
           {"long:21", std::string(21, 'b')},
           {"12345", "a key that looks like an integer"},
       }) {
    Must(c, {"SET", k, v});
  }
  std::string noise;
  uint32_t x = 2463534242u;
  for (int i = 0; i < 3000; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    noise.push_back(static_cast<char>(x));
  }
  Must(c, {"SET", "long:noise", noise});
  Must(c, {"SET", "ttl:string", "expires", "PXAT", std::to_string(future)});
  Must(c, {"APPEND", "appended", "grown in place"});

  // Lists: small, with integer-looking and empty elements; big (many quicklist nodes).
  Must(c, {"RPUSH", "list:small", "1", "200", "-5000", "hello", "", "0123", "9223372036854775808"});
  std::vector<std::string> push = {"RPUSH", "list:big"};
  for (int i = 0; i < 3000; ++i) {
    push.push_back(i % 3 == 0 ? std::to_string(i * 37) : "element-" + std::to_string(i));
  }
  Must(c, push);
  Must(c, {"LPUSH", "list:big", std::string(10000, 'L')});
  Must(c, {"RPUSH", "list:ttl", "a", "b"});
  Must(c, {"PEXPIREAT", "list:ttl", std::to_string(future + 1)});

  // Streams: 350 entries over 4 nodes, mixed field sets, deletions, trimming, groups.
  for (int i = 1; i <= 350; ++i) {
    const uint64_t ms = 1700000000000 + static_cast<uint64_t>(i / 3);
    const std::string id = Id(ms, static_cast<uint64_t>(i % 3));
    if (i % 7 == 0) {
      Must(c, {"XADD", "stream:main", id, "other", std::to_string(i), "extra", "x"});
    } else {
      Must(c,
           {"XADD", "stream:main", id, "field", std::to_string(i), "n", "v" + std::to_string(i)});
    }
  }
  Must(c,
       {"XDEL", "stream:main", Id(1700000000001, 1), Id(1700000000050, 0), Id(1700000000100, 2)});
  Must(c, {"XTRIM", "stream:main", "MAXLEN", "330"});  // exact: tombstones in the first node
  Must(c, {"XGROUP", "CREATE", "stream:main", "workers", "0"});
  Must(c, {"XREADGROUP", "GROUP", "workers", "alice", "COUNT", "5", "STREAMS", "stream:main", ">"});
  Must(c, {"XREADGROUP", "GROUP", "workers", "bob", "COUNT", "3", "STREAMS", "stream:main", ">"});
  Must(c, {"XGROUP", "CREATECONSUMER", "stream:main", "workers", "carol"});
  Must(c, {"XGROUP", "CREATE", "stream:main", "latest", "$"});
  Must(c, {"XGROUP", "CREATE", "stream:main", "lagless", "0", "ENTRIESREAD", "2"});
  Must(c, {"XREADGROUP", "GROUP", "lagless", "dave", "COUNT", "2", "STREAMS", "stream:main", ">"});
  Must(c, {"XDEL", "stream:main", Id(1700000000010, 0)});  // after delivery: PEL keeps the ID

  Must(c, {"XADD", "stream:empty", "1-1", "f", "v"});
  Must(c, {"XDEL", "stream:empty", "1-1"});
  Must(c, {"XGROUP", "CREATE", "stream:empty", "g", "$"});
  Must(c, {"XADD", "stream:ttl", "5-5", "k", "1"});
  Must(c, {"PEXPIREAT", "stream:ttl", std::to_string(future + 2)});

  // Hashes: a listpack with integer-looking, empty and binary fields; a table by size; a table
  // by a long value; one with an expiry.
  Must(c, {"HSET", "hash:small", "name", "rill", "12", "-7", "", "empty field", "empty value", "",
           std::string("b\0in", 4), std::string("\xff\x00", 2), "big", "9223372036854775807"});
  std::vector<std::string> hset = {"HSET", "hash:big"};
  for (int i = 0; i < 700; ++i) {
    hset.push_back("field:" + std::to_string(i));
    hset.push_back(i % 4 == 0 ? std::to_string(i * 1000) : "value-" + std::to_string(i));
  }
  Must(c, hset);
  Must(c, {"HSET", "hash:long", "f", std::string(100, 'x'), "g", std::string(30, 'y') + "z"});
  Must(c, {"HSET", "hash:ttl", "a", "1"});
  Must(c, {"PEXPIREAT", "hash:ttl", std::to_string(future + 4)});
  // Sets: intsets of each width, a table of integers (past set-max-intset-entries), a table of
  // strings, one with an expiry.
  Must(c, {"SADD", "set:int16", "1", "-2", "30000"});
  Must(c, {"SADD", "set:int32", "1", "100000", "-70000"});
  Must(c, {"SADD", "set:int64", "5", "9223372036854775807", "-9223372036854775808"});
  std::vector<std::string> sadd = {"SADD", "set:bigint"};
  for (int i = 0; i < 600; ++i) sadd.push_back(std::to_string(i * 7 - 1000));
  Must(c, sadd);
  Must(c, {"SADD", "set:strings", "a", "", "007", "1", std::string("\0x\xff", 3),
           std::string(40, 'c')});
  Must(c, {"SADD", "set:ttl", "m"});
  Must(c, {"PEXPIREAT", "set:ttl", std::to_string(future + 5)});

  Must(c, {"SELECT", "1"});
  Must(c, {"SET", "db1:key", "one"});
  Must(c, {"RPUSH", "db1:list", "x"});
  Must(c, {"SELECT", "9"});
  Must(c, {"SET", "db9:key", "nine", "PXAT", std::to_string(future + 3)});
  Must(c, {"SELECT", "0"});
}

std::string DescribeKeyspace(RespClient& c) {
  std::ostringstream out;
  for (int db = 0; db < 16; ++db) {
    Must(c, {"SELECT", std::to_string(db)});
    std::vector<std::string> keys;
    std::string cursor = "0";
    do {
      std::string header;
      std::vector<std::string> parts;
      std::string reply = Must(c, {"SCAN", cursor, "COUNT", "1000"});
      if (!SplitAggregate(reply, &header, &parts) || parts.size() != 2) {
        ADD_FAILURE() << "bad SCAN reply " << EscapeBytes(reply);
        break;
      }
      cursor = BulkValue(parts[0]);
      for (std::string& k : BulkArray(parts[1])) keys.push_back(std::move(k));
    } while (cursor != "0");
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const std::string& key : keys) {
      const std::string type = c.Command({"TYPE", key});
      out << "db" << db << " " << EscapeBytes(key) << " " << EscapeBytes(type)
          << " pexpiretime=" << EscapeBytes(c.Command({"PEXPIRETIME", key})) << "\n";
      if (type == "+string\r\n") {
        out << "  " << EscapeBytes(c.Command({"GET", key})) << "\n";
      } else if (type == "+list\r\n") {
        out << "  " << EscapeBytes(c.Command({"LRANGE", key, "0", "-1"})) << "\n";
      } else if (type == "+hash\r\n") {
        // Field order is the table's: compared as sorted pairs, with the encoding.
        out << "  " << EscapeBytes(c.Command({"OBJECT", "ENCODING", key})) << " "
            << EscapeBytes(SortPairs(c.Command({"HGETALL", key}))) << "\n";
      } else if (type == "+set\r\n") {
        out << "  " << EscapeBytes(c.Command({"OBJECT", "ENCODING", key})) << " "
            << EscapeBytes(SortAggregate(c.Command({"SMEMBERS", key}))) << "\n";
      } else if (type == "+stream\r\n") {
        out << "  range " << EscapeBytes(c.Command({"XRANGE", key, "-", "+"})) << "\n";
        out << "  full " << EscapeBytes(c.Command({"XINFO", "STREAM", key, "FULL"})) << "\n";
        std::string header;
        std::vector<std::string> groups;
        SplitAggregate(c.Command({"XINFO", "GROUPS", key}), &header, &groups);
        for (const std::string& g : groups) {
          const std::vector<std::string> fields = BulkArray(g);
          if (fields.size() < 2) continue;
          const std::string& name = fields[1];  // "name", <name>, ...
          out << "  group " << EscapeBytes(g) << "\n";
          out << "  pending " << EscapeBytes(c.Command({"XPENDING", key, name})) << "\n";
        }
      }
    }
  }
  Must(c, {"SELECT", "0"});
  return out.str();
}

std::vector<std::pair<std::string, std::string>> InfoFields(RespClient& c,
                                                            const std::string& section) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::istringstream in(BulkValue(c.Command({"INFO", section})));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    fields.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return fields;
}

std::string InfoField(RespClient& c, const std::string& section, const std::string& name) {
  for (auto& [k, v] : InfoFields(c, section)) {
    if (k == name) return v;
  }
  return "<no field " + name + ">";
}

std::string LazyFreedObjects(RespClient& c) {
  for (int i = 0; i < 200 && InfoField(c, "memory", "lazyfree_pending_objects") != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return InfoField(c, "memory", "lazyfreed_objects");
}

}  // namespace rill::testing
