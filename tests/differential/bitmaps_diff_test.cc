// Bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO): the same requests
// to rill and redis-server 7.0 must give the same reply bytes, leave the same values (GET), the
// same encodings, the same keyspace events and the same dirty counts.
#include <random>
#include <string>
#include <vector>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

using Argv = std::vector<std::string>;
using namespace std::string_literals;

class BitmapsDiffTest : public DifferentialTest {
 protected:
  // Runs each command on both, then compares the value of every key named in `keys`.
  void ExpectSameAll(const std::vector<Argv>& commands, const std::vector<std::string>& keys) {
    for (const Argv& argv : commands) ExpectSame(argv);
    for (const std::string& key : keys) {
      ExpectSame({"GET", key});
      ExpectSame({"OBJECT", "ENCODING", key});
    }
  }
};

TEST_F(BitmapsDiffTest, SetBitAndGetBit) {
  ExpectSameAll({{"SETBIT", "b", "0", "1"},
                 {"SETBIT", "b", "0", "1"},
                 {"SETBIT", "b", "7", "1"},
                 {"SETBIT", "b", "100", "1"},
                 {"SETBIT", "b", "100", "0"},
                 {"GETBIT", "b", "0"},
                 {"GETBIT", "b", "1"},
                 {"GETBIT", "b", "7"},
                 {"GETBIT", "b", "100"},
                 {"GETBIT", "b", "1000000"},
                 {"GETBIT", "missing", "5"},
                 {"STRLEN", "b"}},
                {"b"});
  // Edge offsets: the last bit of a 512 MB value is allowed, one more is not.
  ExpectSame({"GETBIT", "b", "4294967295"});
  ExpectSame({"GETBIT", "b", "4294967296"});
  ExpectSame({"SETBIT", "b", "4294967296", "1"});
  ExpectSame({"GETBIT", "b", "-1"});
  ExpectSame({"SETBIT", "b", "-1", "1"});
  ExpectSame({"SETBIT", "b", "99999999999999999999", "1"});
  ExpectSame({"SETBIT", "b", "1.5", "1"});
  ExpectSame({"SETBIT", "b", "01", "1"});
  ExpectSame({"SETBIT", "b", " 1", "1"});
  ExpectSame({"SETBIT", "b", "", "1"});
  ExpectSame({"GETBIT", "b", "x"});
  // Bit values: only 0 and 1, and the offset is checked first.
  for (const char* v : {"2", "-1", "a", "", "1.0", "01", "9223372036854775808"}) {
    ExpectSame({"SETBIT", "b", "3", v});
  }
  ExpectSame({"SETBIT", "b", "x", "2"});
  ExpectSame({"SETBIT", "b"});
  ExpectSame({"GETBIT", "b"});
  ExpectSame({"SETBIT", "b", "1", "1", "1"});
}

TEST_F(BitmapsDiffTest, BitsOfIntegersEmbeddedAndRawStrings) {
  ExpectSame({"SET", "n", "12345"});
  ExpectSame({"GETBIT", "n", "2"});
  ExpectSame({"BITCOUNT", "n"});
  ExpectSame({"BITPOS", "n", "0"});
  ExpectSame({"OBJECT", "ENCODING", "n"});
  // Setting a bit to what it is already: no change, but the value is unshared as "raw".
  ExpectSame({"SETBIT", "n", "2", "1"});
  ExpectSame({"OBJECT", "ENCODING", "n"});
  ExpectSame({"GET", "n"});
  ExpectSame({"SET", "e", "hello"});
  ExpectSame({"SETBIT", "e", "1", "1"});
  ExpectSame({"OBJECT", "ENCODING", "e"});
  ExpectSame({"SET", "e2", "hello"});
  ExpectSame({"SETBIT", "e2", "0", "1"});
  ExpectSameAll({}, {"e2"});
  ExpectSame({"SET", "n2", "-98765"});
  ExpectSame({"SETBIT", "n2", "40", "1"});
  ExpectSameAll({}, {"n2"});
  ExpectSame({"RPUSH", "list", "a"});
  for (const Argv& argv : std::vector<Argv>{{"SETBIT", "list", "0", "1"},
                                            {"GETBIT", "list", "0"},
                                            {"BITCOUNT", "list"},
                                            {"BITPOS", "list", "1"},
                                            {"BITOP", "AND", "d", "list"},
                                            {"BITOP", "AND", "list", "n"},
                                            {"BITFIELD", "list", "GET", "u8", "0"},
                                            {"BITFIELD_RO", "list", "GET", "u8", "0"},
                                            {"BITFIELD", "list", "SET", "u8", "0", "1"}}) {
    ExpectSame(argv);
  }
  ExpectSame({"TYPE", "list"});
}

TEST_F(BitmapsDiffTest, BitCountRangesInBytesAndBits) {
  ExpectSame({"SET", "s", "foobar\xff\x01\x80zz"});
  ExpectSame({"BITCOUNT", "s"});
  const std::vector<std::pair<const char*, const char*>> ranges = {{"0", "0"},
                                                                   {"1", "1"},
                                                                   {"0", "-1"},
                                                                   {"-1", "-1"},
                                                                   {"-3", "-1"},
                                                                   {"2", "1"},
                                                                   {"-1", "-3"},
                                                                   {"-100", "100"},
                                                                   {"5", "100"},
                                                                   {"0", "-100"},
                                                                   {"100", "200"},
                                                                   {"-2", "0"},
                                                                   {"7", "7"},
                                                                   {"3", "60"},
                                                                   {"13", "70"},
                                                                   {"9", "9"},
                                                                   {"-9", "-2"},
                                                                   {"79", "79"},
                                                                   {"80", "80"},
                                                                   {"0", "9223372036854775807"},
                                                                   {"-9223372036854775808", "-1"}};
  for (const auto& [start, end] : ranges) {
    ExpectSame({"BITCOUNT", "s", start, end});
    ExpectSame({"BITCOUNT", "s", start, end, "BYTE"});
    ExpectSame({"BITCOUNT", "s", start, end, "BIT"});
    ExpectSame({"BITCOUNT", "s", start, end, "bit"});
  }
  // Redis 7.0's order: the key first (a missing key is 0 whatever follows), then the numbers,
  // the crossed negative range, and only then the unit.
  for (const Argv& argv : std::vector<Argv>{{"BITCOUNT", "missing", "a", "b"},
                                            {"BITCOUNT", "missing", "1"},
                                            {"BITCOUNT", "missing", "0", "1", "NOPE"},
                                            {"BITCOUNT", "s", "1"},
                                            {"BITCOUNT", "s", "a", "1"},
                                            {"BITCOUNT", "s", "1", "b"},
                                            {"BITCOUNT", "s", "0", "1", "NOPE"},
                                            {"BITCOUNT", "s", "-1", "-2", "NOPE"},
                                            {"BITCOUNT", "s", "-2", "-1", "NOPE"},
                                            {"BITCOUNT", "s", "a", "b", "NOPE"},
                                            {"BITCOUNT", "s", "0", "1", "BIT", "x"},
                                            {"BITCOUNT", "s", "0", "1", "bi\0t"s},
                                            {"BITCOUNT"},
                                            {"SET", "empty", ""},
                                            {"BITCOUNT", "empty"},
                                            {"BITCOUNT", "empty", "0", "-1"},
                                            {"BITCOUNT", "empty", "0", "-1", "BIT"}}) {
    ExpectSame(argv);
  }
}

TEST_F(BitmapsDiffTest, BitPosRangesInBytesAndBits) {
  ExpectSame({"SET", "s", "\xff\xf0\x00\x0f\xff\xff\x00\x01"s});
  ExpectSame({"SET", "ones", "\xff\xff\xff"});
  ExpectSame({"SET", "zeros", "\x00\x00\x00"s});
  const std::vector<std::vector<std::string>> ranges = {
      {},         {"0"},           {"1"},       {"-1"},
      {"100"},    {"-100"},        {"0", "-1"}, {"2", "2"},
      {"3", "1"}, {"-2", "-1"},    {"0", "0"},  {"7", "100"},
      {"1", "3"}, {"-100", "-90"}, {"5", "5"},  {"0", "9223372036854775807"}};
  for (const char* key : {"s", "ones", "zeros", "missing"}) {
    for (const char* bit : {"0", "1"}) {
      for (const auto& range : ranges) {
        Argv argv = {"BITPOS", key, bit};
        argv.insert(argv.end(), range.begin(), range.end());
        ExpectSame(argv);
        if (range.size() == 2) {
          Argv byte = argv, bits = argv;
          byte.push_back("BYTE");
          bits.push_back("BIT");
          ExpectSame(byte);
          ExpectSame(bits);
        }
      }
    }
  }
  // Bit ranges inside one byte and across byte edges.
  for (int start = 0; start < 20; start += 3) {
    for (int end = start; end < 30; end += 4) {
      for (const char* bit : {"0", "1"}) {
        ExpectSame({"BITPOS", "s", bit, std::to_string(start), std::to_string(end), "BIT"});
        ExpectSame({"BITPOS", "ones", bit, std::to_string(start), std::to_string(end), "BIT"});
        ExpectSame({"BITPOS", "zeros", bit, std::to_string(-start - 1), std::to_string(-1), "BIT"});
      }
    }
  }
  for (const Argv& argv : std::vector<Argv>{{"BITPOS", "s", "2"},
                                            {"BITPOS", "s", "-1"},
                                            {"BITPOS", "s", "x"},
                                            {"BITPOS", "missing", "2"},
                                            {"BITPOS", "missing", "1", "a"},
                                            {"BITPOS", "s", "1", "a"},
                                            {"BITPOS", "s", "1", "0", "b"},
                                            {"BITPOS", "s", "1", "0", "b", "NOPE"},
                                            {"BITPOS", "s", "1", "0", "1", "NOPE"},
                                            {"BITPOS", "s", "1", "0", "1", "BIT", "x"},
                                            {"BITPOS", "s"},
                                            {"SET", "n", "255"},
                                            {"BITPOS", "n", "1"},
                                            {"BITPOS", "n", "0", "1"},
                                            {"SET", "empty", ""},
                                            {"BITPOS", "empty", "0"},
                                            {"BITPOS", "empty", "1"},
                                            {"BITPOS", "empty", "0", "0", "-1", "BIT"}}) {
    ExpectSame(argv);
  }
}

TEST_F(BitmapsDiffTest, BitOpOperationsAndLengths) {
  ExpectSame({"SET", "a", "\xff\x0f\xaa\x55\x01"});
  ExpectSame({"SET", "b", "\x0f\xf0"});
  ExpectSame({"SET", "c", std::string(100, '\x5a')});
  ExpectSame({"SET", "n", "1234"});
  const std::vector<Argv> commands = {
      {"BITOP", "AND", "d1", "a", "b"},
      {"BITOP", "or", "d2", "a", "b", "c"},
      {"BITOP", "Xor", "d3", "a", "b", "c", "missing"},
      {"BITOP", "NOT", "d4", "a"},
      {"BITOP", "NOT", "d5", "c"},
      {"BITOP", "AND", "d6", "a", "missing"},
      {"BITOP", "OR", "d7", "missing", "n"},
      {"BITOP", "XOR", "a", "a", "b"},  // the destination is a source
      {"BITOP", "AND", "d8", "c", "c", "c"},
  };
  ExpectSameAll(commands, {"d1", "d2", "d3", "d4", "d5", "d6", "d7", "a", "d8"});
  // An empty result deletes the destination, whatever it held, and its TTL goes with a write.
  ExpectSame({"RPUSH", "list", "x"});
  ExpectSame({"BITOP", "OR", "list", "missing", "missing2"});
  ExpectSame({"EXISTS", "list"});
  ExpectSame({"SET", "t", "v", "EX", "100"});
  ExpectSame({"BITOP", "OR", "t", "a"});
  ExpectSame({"TTL", "t"});
  ExpectSame({"SET", "empty", ""});
  ExpectSame({"BITOP", "AND", "x", "empty"});
  ExpectSame({"EXISTS", "x"});
  for (const Argv& argv : std::vector<Argv>{{"BITOP", "NAND", "d", "a"},
                                            {"BITOP", "NOT", "d", "a", "b"},
                                            {"BITOP", "NOT", "d"},
                                            {"BITOP", "AND", "d"},
                                            {"BITOP", "AND"},
                                            {"BITOP", "an\0d"s, "d", "a"},
                                            {"BITOP", "NOT", "list2", "missing"},
                                            {"RPUSH", "list2", "x"},
                                            {"BITOP", "AND", "d", "a", "list2"},
                                            {"BITOP", "AND", "list2", "a"},
                                            {"TYPE", "list2"}}) {
    ExpectSame(argv);
  }
}

TEST_F(BitmapsDiffTest, BitOpOverLargeRandomValues) {
  std::mt19937_64 rng(7);
  for (size_t size : {1000, 4096, 100003}) {
    std::string x(size, '\0'), y(size / 3, '\0'), z(size + 17, '\0');
    for (std::string* s : {&x, &y, &z}) {
      for (char& c : *s) c = static_cast<char>(rng());
    }
    ExpectSame({"SET", "x", x});
    ExpectSame({"SET", "y", y});
    ExpectSame({"SET", "z", z});
    for (const char* op : {"AND", "OR", "XOR"}) {
      ExpectSame({"BITOP", op, "r", "x", "y", "z"});
      ExpectSame({"GET", "r"});
      ExpectSame({"BITCOUNT", "r"});
      ExpectSame({"BITCOUNT", "r", "13", "-29", "BIT"});
      ExpectSame({"BITPOS", "r", "0", "100"});
    }
    ExpectSame({"BITOP", "NOT", "r", "z"});
    ExpectSame({"GET", "r"});
    ExpectSame({"BITCOUNT", "x", "1", "-2"});
  }
}

TEST_F(BitmapsDiffTest, BitFieldGetSetIncrByAcrossTypes) {
  std::vector<Argv> commands;
  for (const char* type :
       {"u1", "i1", "u7", "i8", "u8", "i13", "u31", "i32", "u63", "i63", "i64"}) {
    for (const char* offset : {"0", "3", "#1", "#2", "61"}) {
      commands.push_back({"BITFIELD", "f", "GET", type, offset});
      commands.push_back({"BITFIELD", "f", "SET", type, offset, "-5"});
      commands.push_back({"BITFIELD", "f", "INCRBY", type, offset, "1000"});
      commands.push_back({"BITFIELD", "f", "GET", type, offset, "GET", "u8", "0"});
    }
  }
  ExpectSameAll(commands, {"f"});
  ExpectSameAll({{"BITFIELD", "g", "SET", "u8", "0", "255", "GET", "u4", "0", "GET", "i4", "4"},
                 {"BITFIELD", "g", "INCRBY", "u2", "100", "1", "INCRBY", "u2", "100", "1"},
                 {"BITFIELD", "g", "set", "i8", "#3", "-1", "get", "u16", "#1"},
                 {"BITFIELD", "g"},
                 {"BITFIELD", "g", "OVERFLOW", "SAT"},
                 {"BITFIELD", "missing", "GET", "u8", "0"},
                 {"EXISTS", "missing"},
                 {"BITFIELD", "g", "GET", "i64", "4294967232"},
                 {"BITFIELD", "g", "GET", "u63", "4294967233"}},
                {"g"});
}

TEST_F(BitmapsDiffTest, BitFieldOverflowModes) {
  std::vector<Argv> commands;
  for (const char* mode : {"WRAP", "SAT", "FAIL", "wrap", "sat", "fail"}) {
    for (const char* type : {"u2", "i2", "u8", "i8", "u63", "i63", "i64"}) {
      for (const char* incr :
           {"1", "-1", "3", "-3", "127", "-128", "200", "-200", "9223372036854775807",
            "-9223372036854775808", "4611686018427387904", "-4611686018427387905"}) {
        commands.push_back({"BITFIELD", "o", "OVERFLOW", mode, "INCRBY", type, "5", incr});
        commands.push_back({"BITFIELD", "o", "OVERFLOW", mode, "SET", type, "70", incr});
      }
    }
  }
  // The mode applies to the operations after it, until the next OVERFLOW.
  commands.push_back({"BITFIELD", "o", "INCRBY", "u2", "0", "5", "OVERFLOW", "FAIL", "INCRBY", "u2",
                      "0", "5", "OVERFLOW", "SAT", "INCRBY", "u2", "0", "5"});
  ExpectSameAll(commands, {"o"});
  // Everything refused on a new key: Redis makes the key all the same.
  ExpectSame({"BITFIELD", "fresh", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "9"});
  ExpectSameAll({}, {"fresh"});
}

TEST_F(BitmapsDiffTest, BitFieldErrorsAndReadOnlyForm) {
  ExpectSame({"SET", "k", "abc"});
  for (const Argv& argv : std::vector<Argv>{
           {"BITFIELD", "k", "GET", "u64", "0"},
           {"BITFIELD", "k", "GET", "i65", "0"},
           {"BITFIELD", "k", "GET", "i0", "0"},
           {"BITFIELD", "k", "GET", "u0", "0"},
           {"BITFIELD", "k", "GET", "x8", "0"},
           {"BITFIELD", "k", "GET", "", "0"},
           {"BITFIELD", "k", "GET", "u", "0"},
           {"BITFIELD", "k", "GET", "u08", "0"},
           {"BITFIELD", "k", "GET", "u8\0x"s, "0"},
           {"BITFIELD", "k", "GET", "U8", "0"},
           {"BITFIELD", "k", "GET", "u8", "-1"},
           {"BITFIELD", "k", "GET", "u8", "#-1"},
           {"BITFIELD", "k", "GET", "u8", "#"},
           {"BITFIELD", "k", "GET", "u8", "##1"},
           {"BITFIELD", "k", "GET", "i64", "#9223372036854775807"},
           {"BITFIELD", "k", "GET", "i8", "#536870911"},
           {"BITFIELD", "k", "GET", "i8", "#536870912"},
           {"BITFIELD", "k", "GET", "u8", "4294967295"},
           {"BITFIELD", "k", "GET", "u8", "4294967296"},
           {"BITFIELD", "k", "GET", "u8"},
           {"BITFIELD", "k", "SET", "u8", "0"},
           {"BITFIELD", "k", "SET", "u8", "0", "x"},
           {"BITFIELD", "k", "INCRBY", "u8", "0", "1.5"},
           {"BITFIELD", "k", "OVERFLOW"},
           {"BITFIELD", "k", "OVERFLOW", "NOPE", "GET", "u8", "0"},
           {"BITFIELD", "k", "OVERFLOW", "sa\0t"s},
           {"BITFIELD", "k", "NOPE"},
           {"BITFIELD", "k", "GET", "u8", "0", "NOPE"},
           {"BITFIELD", "k", "SET", "u8", "4294967290", "1", "GET", "x", "0"},
           {"BITFIELD"},
           {"BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i4", "#5"},
           {"BITFIELD_RO", "k", "SET", "u8", "0", "1"},
           {"BITFIELD_RO", "k", "INCRBY", "u8", "0", "1"},
           {"BITFIELD_RO", "k", "OVERFLOW", "FAIL", "GET", "u8", "0"},
           {"BITFIELD_RO", "k", "SET", "u8", "0", "x"},
           {"BITFIELD_RO", "k", "SET", "u99", "0", "1"},
           {"BITFIELD_RO", "missing", "GET", "u8", "0"},
           {"BITFIELD_RO", "k"},
           {"BITFIELD_RO"},
       }) {
    ExpectSame(argv);
  }
  ExpectSame({"GET", "k"});
  ExpectSame({"EXISTS", "missing"});
}

// Random operations at random offsets, including offsets that grow the value a lot.
TEST_F(BitmapsDiffTest, RandomOperationsAgree) {
  std::mt19937_64 rng(11);
  const char* types[] = {"u1", "u5", "i7", "u8", "i16", "u33", "i64", "u63"};
  const char* modes[] = {"WRAP", "SAT", "FAIL"};
  for (int i = 0; i < 600; ++i) {
    const std::string key = "r" + std::to_string(rng() % 3);
    const std::string offset = std::to_string(rng() % (i % 50 == 0 ? 200000 : 300));
    switch (rng() % 6) {
      case 0:
        ExpectSame({"SETBIT", key, offset, std::to_string(rng() % 2)});
        break;
      case 1:
        ExpectSame({"GETBIT", key, offset});
        break;
      case 2:
        ExpectSame({"BITFIELD", key, "OVERFLOW", modes[rng() % 3], "INCRBY", types[rng() % 8],
                    offset, std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64))});
        break;
      case 3:
        ExpectSame({"BITFIELD", key, "SET", types[rng() % 8], offset,
                    std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64)), "GET",
                    types[rng() % 8], offset});
        break;
      case 4:
        ExpectSame({"BITCOUNT", key, std::to_string(static_cast<int>(rng() % 100) - 50),
                    std::to_string(static_cast<int>(rng() % 100) - 50),
                    rng() % 2 ? "BIT" : "BYTE"});
        break;
      default:
        ExpectSame({"BITPOS", key, std::to_string(rng() % 2),
                    std::to_string(static_cast<int>(rng() % 100) - 50),
                    std::to_string(static_cast<int>(rng() % 100) - 50),
                    rng() % 2 ? "BIT" : "BYTE"});
        break;
    }
  }
  for (const char* key : {"r0", "r1", "r2"}) ExpectSame({"GET", key});
}

TEST_F(BitmapsDiffTest, EventsAndDirtyCounts) {
  ExpectSameEffects({{"SETBIT", "b", "10", "1"},
                     {"SETBIT", "b", "10", "1"},  // no change: no event, no dirty
                     {"SETBIT", "b", "10", "0"},
                     {"SETBIT", "b", "100", "0"},  // grows: a change even with a 0
                     {"BITFIELD", "b", "SET", "u8", "0", "0"},
                     {"BITFIELD", "b", "SET", "u8", "0", "7", "INCRBY", "u8", "0", "1"},
                     {"BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"},
                     {"BITFIELD", "b", "SET", "u8", "200", "0", "SET", "u8", "0", "0"},
                     {"BITFIELD", "b", "GET", "u8", "0"},
                     {"BITFIELD", "new", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"},
                     {"BITFIELD_RO", "b", "GET", "u8", "0"},
                     {"BITOP", "NOT", "c", "b"},
                     {"BITOP", "AND", "c", "missing"},
                     {"BITOP", "AND", "c", "missing"},
                     {"SET", "t", "x", "EX", "100"},
                     {"BITOP", "OR", "t", "b"},
                     {"GETBIT", "b", "1"},
                     {"BITCOUNT", "b"},
                     {"BITPOS", "b", "1"}});
}

TEST_F(BitmapsDiffTest, Resp3Replies) {
  SendBoth({"HELLO", "3"});
  ExpectSame({"SETBIT", "b", "5", "1"});
  ExpectSame({"BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9", "GET", "u8", "0"});
  ExpectSame({"BITFIELD_RO", "b", "GET", "i8", "0"});
  ExpectSame({"BITCOUNT", "b"});
  ExpectSame({"BITPOS", "b", "1"});
  ExpectSame({"BITOP", "NOT", "c", "b"});
  ExpectSame({"BITFIELD", "b", "GET", "u99", "0"});
  SendBoth({"HELLO", "2"});
}

}  // namespace
}  // namespace rill::testing
