// String commands: the same requests to rill and redis must give the same reply bytes.
#include "tests/support/differential.h"

namespace rill::testing {
namespace {

class StringsDiffTest : public DifferentialTest {};

TEST_F(StringsDiffTest, SetAndGetBasics) {
  ExpectSame({"GET", "missing"});
  ExpectSame({"SET", "k", "v"});
  ExpectSame({"GET", "k"});
  ExpectSame({"SET", "k", ""});
  ExpectSame({"GET", "k"});
  ExpectSame({"SET", "bin", std::string("a\0b\r\nc", 6)});
  ExpectSame({"GET", "bin"});
  ExpectSame({"SET", "k"});
  ExpectSame({"GET"});
  ExpectSame({"GET", "a", "b"});
}

TEST_F(StringsDiffTest, SetNxXx) {
  ExpectSame({"SET", "k", "v", "XX"});
  ExpectSame({"GET", "k"});
  ExpectSame({"SET", "k", "v", "NX"});
  ExpectSame({"SET", "k", "w", "NX"});
  ExpectSame({"SET", "k", "w", "XX"});
  ExpectSame({"GET", "k"});
  ExpectSame({"SET", "k", "x", "NX", "XX"});
  ExpectSame({"SET", "k", "x", "xx", "nx"});
  ExpectSame({"SET", "k", "x", "NX", "NX"});
}

TEST_F(StringsDiffTest, SetExpiryOptions) {
  ExpectSame({"SET", "k", "v", "EX", "100"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"SET", "k", "v", "PX", "100000"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"SET", "k", "v", "EX", "10", "PX", "100"});
  ExpectSame({"SET", "k", "v", "EX", "0"});
  ExpectSame({"SET", "k", "v", "PX", "0"});
  ExpectSame({"SET", "k", "v", "EX", "-1"});
  ExpectSame({"SET", "k", "v", "EX", "1.5"});
  ExpectSame({"SET", "k", "v", "EX", "abc"});
  ExpectSame({"SET", "k", "v", "EX"});
  ExpectSame({"SET", "k", "v", "EX", "9223372036854775807"});
  ExpectSame({"SET", "k", "v", "PX", "9223372036854775807"});
  ExpectSame({"SET", "k", "v", "EX", "9223372036854775808"});
  ExpectSame({"SET", "k", "v", "EXAT", "4102444800"});
  ExpectSame({"EXPIRETIME", "k"});
  ExpectSame({"SET", "k", "v", "PXAT", "4102444800123"});
  ExpectSame({"PEXPIRETIME", "k"});
  ExpectSame({"SET", "k", "v", "EXAT", "0"});
  ExpectSame({"SET", "k", "v", "EX", "10", "EX", "20"});
  ExpectSame({"SET", "k", "v", "EXAT", "4102444800", "PXAT", "4102444800000"});
  ExpectSame({"SET", "k", "v", "BOGUS"});
}

TEST_F(StringsDiffTest, SetKeepTtl) {
  ExpectSame({"SET", "k", "v", "EX", "100"});
  ExpectSame({"SET", "k", "w", "KEEPTTL"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"SET", "k", "w"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"SET", "k", "v", "KEEPTTL", "EX", "10"});
  ExpectSame({"SET", "k", "v", "PX", "10", "KEEPTTL"});
  ExpectSame({"SET", "k", "v", "KEEPTTL", "NX"});
  ExpectSame({"SET", "k", "v", "KEEPTTL", "XX"});
}

TEST_F(StringsDiffTest, SetGetOption) {
  ExpectSame({"SET", "k", "v1", "GET"});
  ExpectSame({"SET", "k", "v2", "GET"});
  ExpectSame({"SET", "k", "v3", "GET", "EX", "100"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"SET", "k", "v4", "NX", "GET"});
  ExpectSame({"SET", "new", "v4", "NX", "GET"});
  ExpectSame({"SET", "k", "v5", "XX", "GET"});
  ExpectSame({"SET", "absent", "v5", "XX", "GET"});
  ExpectSame({"RPUSH", "list", "a"});
  ExpectSame({"SET", "list", "v", "GET"});
  ExpectSame({"GET", "list"});
  ExpectSame({"TYPE", "list"});
  ExpectSame({"SET", "list", "v"});
  ExpectSame({"GET", "list"});
}

TEST_F(StringsDiffTest, SetNxSetexPsetex) {
  ExpectSame({"SETNX", "k", "v"});
  ExpectSame({"SETNX", "k", "w"});
  ExpectSame({"GET", "k"});
  ExpectSame({"SETNX", "k"});
  ExpectSame({"SETEX", "k", "100", "v"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"SETEX", "k", "0", "v"});
  ExpectSame({"SETEX", "k", "-5", "v"});
  ExpectSame({"SETEX", "k", "abc", "v"});
  ExpectSame({"SETEX", "k", "9223372036854775807", "v"});
  ExpectSame({"PSETEX", "k", "100000", "v"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"PSETEX", "k", "0", "v"});
  ExpectSame({"PSETEX", "k", "-1", "v"});
  ExpectSame({"SETEX", "k", "10"});
}

TEST_F(StringsDiffTest, GetSetGetDel) {
  ExpectSame({"GETSET", "k", "v"});
  ExpectSame({"GETSET", "k", "w"});
  ExpectSame({"GET", "k"});
  ExpectSame({"SET", "t", "v", "EX", "100"});
  ExpectSame({"GETSET", "t", "w"});
  ExpectSame({"TTL", "t"});
  ExpectSame({"GETDEL", "k"});
  ExpectSame({"GETDEL", "k"});
  ExpectSame({"EXISTS", "k"});
  ExpectSame({"LPUSH", "l", "x"});
  ExpectSame({"GETSET", "l", "v"});
  ExpectSame({"GETDEL", "l"});
  ExpectSame({"GET", "l"});
}

TEST_F(StringsDiffTest, GetEx) {
  ExpectSame({"GETEX", "missing"});
  ExpectSame({"GETEX", "missing", "EX", "10"});
  ExpectSame({"SET", "k", "v"});
  ExpectSame({"GETEX", "k"});
  ExpectSame({"GETEX", "k", "EX", "100"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"GETEX", "k", "PX", "200000"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"GETEX", "k", "EXAT", "4102444800"});
  ExpectSame({"EXPIRETIME", "k"});
  ExpectSame({"GETEX", "k", "PXAT", "4102444800500"});
  ExpectSame({"PEXPIRETIME", "k"});
  ExpectSame({"GETEX", "k", "PERSIST"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"GETEX", "k", "EX", "0"});
  ExpectSame({"GETEX", "k", "EX", "-1"});
  ExpectSame({"GETEX", "k", "EX", "abc"});
  ExpectSame({"GETEX", "k", "EX", "10", "PX", "100"});
  ExpectSame({"GETEX", "k", "EX", "10", "PERSIST"});
  ExpectSame({"GETEX", "k", "PERSIST", "EX", "10"});
  ExpectSame({"GETEX", "k", "EX"});
  ExpectSame({"GETEX", "k", "KEEPTTL"});
  ExpectSame({"GETEX", "k", "EX", "9223372036854775807"});
  ExpectSame({"GETEX", "k", "EXAT", "1"});
  ExpectSame({"EXISTS", "k"});
  ExpectSame({"RPUSH", "s", "m"});
  ExpectSame({"GETEX", "s"});
}

TEST_F(StringsDiffTest, MgetMsetMsetnx) {
  ExpectSame({"MSET", "a", "1", "b", "2"});
  ExpectSame({"MGET", "a", "b", "c"});
  ExpectSame({"MSET", "a", "1", "b"});
  ExpectSame({"MSET"});
  ExpectSame({"MSET", "a"});
  ExpectSame({"MSETNX", "a", "x", "z", "y"});
  ExpectSame({"MGET", "a", "z"});
  ExpectSame({"MSETNX", "y", "1", "z", "2"});
  ExpectSame({"MGET", "y", "z"});
  ExpectSame({"MSETNX", "q", "1", "r"});
  ExpectSame({"MSET", "a", "1", "a", "2"});
  ExpectSame({"GET", "a"});
  ExpectSame({"LPUSH", "l", "x"});
  ExpectSame({"MGET", "a", "l", "missing"});
  ExpectSame({"MGET"});
}

TEST_F(StringsDiffTest, IncrDecrFamily) {
  ExpectSame({"INCR", "n"});
  ExpectSame({"INCR", "n"});
  ExpectSame({"DECR", "n"});
  ExpectSame({"DECR", "fresh"});
  ExpectSame({"INCRBY", "n", "10"});
  ExpectSame({"INCRBY", "n", "-20"});
  ExpectSame({"DECRBY", "n", "5"});
  ExpectSame({"DECRBY", "n", "-5"});
  ExpectSame({"INCRBY", "n", "abc"});
  ExpectSame({"INCRBY", "n", "1.5"});
  ExpectSame({"INCRBY", "n"});
  ExpectSame({"GET", "n"});
}

TEST_F(StringsDiffTest, IncrBounds) {
  ExpectSame({"SET", "max", "9223372036854775807"});
  ExpectSame({"INCR", "max"});
  ExpectSame({"INCRBY", "max", "0"});
  ExpectSame({"DECR", "max"});
  ExpectSame({"SET", "min", "-9223372036854775808"});
  ExpectSame({"DECR", "min"});
  ExpectSame({"INCR", "min"});
  ExpectSame({"SET", "z", "0"});
  ExpectSame({"INCRBY", "z", "9223372036854775807"});
  ExpectSame({"INCRBY", "z", "1"});
  ExpectSame({"DECRBY", "z", "-9223372036854775808"});
  ExpectSame({"SET", "z", "0"});
  ExpectSame({"DECRBY", "z", "9223372036854775808"});
  ExpectSame({"INCRBY", "z", "-9223372036854775808"});
  ExpectSame({"INCRBY", "z", "-1"});
  ExpectSame({"SET", "big", "9223372036854775808"});
  ExpectSame({"INCR", "big"});
}

TEST_F(StringsDiffTest, IncrOnNonIntegers) {
  for (const char* value : {"abc", "  1", "1 ", "+1", "01", "1.0", "", "-0", "0x10", "1e3"}) {
    ExpectSame({"SET", "k", value});
    ExpectSame({"INCR", "k"});
    ExpectSame({"GET", "k"});
  }
  ExpectSame({"LPUSH", "l", "x"});
  ExpectSame({"INCR", "l"});
  ExpectSame({"DECRBY", "l", "1"});
}

TEST_F(StringsDiffTest, IncrByFloatFormatting) {
  ExpectSame({"INCRBYFLOAT", "f", "1.5"});
  ExpectSame({"INCRBYFLOAT", "f", "10e3"});
  ExpectSame({"INCRBYFLOAT", "f", "5.0e3"});
  ExpectSame({"GET", "f"});
  ExpectSame({"SET", "f", "10.5"});
  ExpectSame({"INCRBYFLOAT", "f", "0.1"});
  ExpectSame({"INCRBYFLOAT", "f", "-5"});
  ExpectSame({"INCRBYFLOAT", "f", "-5.6"});
  ExpectSame({"SET", "f", "3"});
  ExpectSame({"INCRBYFLOAT", "f", "0"});
  ExpectSame({"INCRBYFLOAT", "f", "abc"});
  ExpectSame({"INCRBYFLOAT", "f", "inf"});
  ExpectSame({"INCRBYFLOAT", "f", "nan"});
  ExpectSame({"SET", "f", "1e308"});
  ExpectSame({"INCRBYFLOAT", "f", "1e308"});
  ExpectSame({"SET", "f", "abc"});
  ExpectSame({"INCRBYFLOAT", "f", "1"});
  ExpectSame({"SET", "f", "1.5"});
  ExpectSame({"INCRBYFLOAT", "f", "1e-5"});
  ExpectSame({"INCRBYFLOAT", "f", "1.0e17"});
  ExpectSame({"SET", "f", "0.1"});
  ExpectSame({"INCRBYFLOAT", "f", "0.2"});
  ExpectSame({"SET", "i", "5"});
  ExpectSame({"INCRBYFLOAT", "i", "2"});
  ExpectSame({"OBJECT", "ENCODING", "i"});
  ExpectSame({"INCRBYFLOAT", "f"});
}

TEST_F(StringsDiffTest, AppendStrlen) {
  ExpectSame({"APPEND", "k", "hello"});
  ExpectSame({"APPEND", "k", " world"});
  ExpectSame({"GET", "k"});
  ExpectSame({"STRLEN", "k"});
  ExpectSame({"STRLEN", "missing"});
  ExpectSame({"SET", "n", "12345"});
  ExpectSame({"STRLEN", "n"});
  ExpectSame({"APPEND", "n", "6"});
  ExpectSame({"GET", "n"});
  ExpectSame({"APPEND", "e", ""});
  ExpectSame({"EXISTS", "e"});
  ExpectSame({"LPUSH", "l", "x"});
  ExpectSame({"APPEND", "l", "x"});
  ExpectSame({"STRLEN", "l"});
}

TEST_F(StringsDiffTest, GetRangeAndSubstr) {
  ExpectSame({"SET", "k", "Hello World"});
  for (auto [start, end] :
       std::vector<std::pair<const char*, const char*>>{{"0", "4"},
                                                        {"-5", "-1"},
                                                        {"0", "-1"},
                                                        {"5", "3"},
                                                        {"-100", "2"},
                                                        {"3", "100"},
                                                        {"100", "200"},
                                                        {"-1", "-5"},
                                                        {"0", "9223372036854775807"},
                                                        {"-9223372036854775808", "0"},
                                                        {"a", "1"},
                                                        {"10", "10"},
                                                        {"11", "11"}}) {
    ExpectSame({"GETRANGE", "k", start, end});
    ExpectSame({"SUBSTR", "k", start, end});
  }
  ExpectSame({"GETRANGE", "missing", "0", "-1"});
  ExpectSame({"SET", "n", "1234567"});
  ExpectSame({"GETRANGE", "n", "2", "4"});
  ExpectSame({"SET", "e", ""});
  ExpectSame({"GETRANGE", "e", "0", "-1"});
  ExpectSame({"GETRANGE", "k", "0"});
}

TEST_F(StringsDiffTest, SetRange) {
  ExpectSame({"SETRANGE", "k", "0", "Hello"});
  ExpectSame({"SETRANGE", "k", "6", "World"});
  ExpectSame({"GET", "k"});
  ExpectSame({"SETRANGE", "k", "1", "a"});
  ExpectSame({"GET", "k"});
  ExpectSame({"SETRANGE", "k", "-1", "x"});
  ExpectSame({"SETRANGE", "k", "abc", "x"});
  ExpectSame({"SETRANGE", "k", "536870911", ""});
  ExpectSame({"SETRANGE", "k", "536870912", "x"});
  ExpectSame({"SETRANGE", "missing", "10", ""});
  ExpectSame({"EXISTS", "missing"});
  ExpectSame({"SETRANGE", "missing", "0", ""});
  ExpectSame({"SETRANGE", "pad", "3", "x"});
  ExpectSame({"GET", "pad"});
  ExpectSame({"SET", "n", "123"});
  ExpectSame({"SETRANGE", "n", "1", "9"});
  ExpectSame({"GET", "n"});
  ExpectSame({"LPUSH", "l", "x"});
  ExpectSame({"SETRANGE", "l", "0", "x"});
  ExpectSame({"SETRANGE", "k", "0"});
}

TEST_F(StringsDiffTest, Lcs) {
  ExpectSame({"MSET", "key1", "ohmytext", "key2", "mynewtext"});
  ExpectSame({"LCS", "key1", "key2"});
  ExpectSame({"LCS", "key1", "key2", "LEN"});
  ExpectSame({"LCS", "key1", "key2", "IDX"});
  ExpectSame({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"});
  ExpectSame({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"});
  ExpectSame({"LCS", "key1", "key2", "IDX", "WITHMATCHLEN"});
  ExpectSame({"LCS", "key1", "key2", "LEN", "IDX"});
  ExpectSame({"LCS", "key1", "key2", "MINMATCHLEN", "abc"});
  ExpectSame({"LCS", "key1", "key2", "MINMATCHLEN", "-1", "IDX"});
  ExpectSame({"LCS", "key1", "key2", "BOGUS"});
  ExpectSame({"LCS", "key1", "missing"});
  ExpectSame({"LCS", "missing", "other", "IDX"});
  ExpectSame({"LCS", "missing", "other", "LEN"});
  ExpectSame({"LPUSH", "l", "x"});
  ExpectSame({"LCS", "key1", "l"});
  ExpectSame({"LCS", "key1"});
}

// A string of `n` bytes over a 4-letter alphabet, so that LCS has real work to do.
std::string Dna(size_t n, unsigned seed) {
  std::string s(n, 'A');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = "ACGT"[(seed >> 16) & 3];
  }
  return s;
}

// Redis 7.0 refuses an LCS whose table, (|a|+1)*(|b|+1) cells of 4 bytes, would exceed
// proto-max-bulk-len: before the bound, two 12 KB strings made Rill fill a 576 MB table.
TEST_F(StringsDiffTest, LcsTransientMemoryBound) {
  // Default proto-max-bulk-len (512 MB): 12000 x 12000 needs 576 MB.
  ExpectSame({"MSET", "a", Dna(12000, 1), "b", Dna(12000, 2), "empty", ""});
  ExpectSame({"LCS", "a", "b"});
  ExpectSame({"LCS", "a", "b", "LEN"});
  ExpectSame({"LCS", "a", "b", "IDX", "MINMATCHLEN", "5", "WITHMATCHLEN"});
  // The other errors come first, as in Redis.
  ExpectSame({"LCS", "a", "b", "LEN", "IDX"});
  ExpectSame({"LCS", "a", "b", "BOGUS"});
  // One empty or missing side costs one row: allowed.
  ExpectSame({"LCS", "a", "empty", "LEN"});
  ExpectSame({"LCS", "missing", "b", "IDX"});

  // At the smallest proto-max-bulk-len (1 MB = 512 * 512 * 4): 511 x 511 fits exactly,
  // one byte more does not.
  ExpectSame({"CONFIG", "SET", "proto-max-bulk-len", "1048576"});
  ExpectSame({"MSET", "c", Dna(511, 3), "d", Dna(511, 4), "e", Dna(512, 5)});
  ExpectSame({"LCS", "c", "d", "LEN"});
  ExpectSame({"LCS", "c", "d", "IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"});
  ExpectSame({"LCS", "c", "d"});
  ExpectSame({"LCS", "c", "e", "LEN"});
  ExpectSame({"LCS", "e", "c"});
  ExpectSame({"LCS", "e", "e", "IDX"});
  ExpectSame({"CONFIG", "SET", "proto-max-bulk-len", "536870912"});
  ExpectSame({"LCS", "e", "e", "LEN"});
}

TEST_F(StringsDiffTest, ObjectEncodingOfStrings) {
  ExpectSame({"SET", "i", "12345"});
  ExpectSame({"OBJECT", "ENCODING", "i"});
  ExpectSame({"SET", "neg", "-12"});
  ExpectSame({"OBJECT", "ENCODING", "neg"});
  ExpectSame({"SET", "lead", "012"});
  ExpectSame({"OBJECT", "ENCODING", "lead"});
  ExpectSame({"SET", "e44", std::string(44, 'x')});
  ExpectSame({"OBJECT", "ENCODING", "e44"});
  ExpectSame({"SET", "r45", std::string(45, 'x')});
  ExpectSame({"OBJECT", "ENCODING", "r45"});
  ExpectSame({"SET", "app", "ab"});
  ExpectSame({"APPEND", "app", "c"});
  ExpectSame({"OBJECT", "ENCODING", "app"});
  ExpectSame({"SET", "big", "99999999999999999999"});
  ExpectSame({"OBJECT", "ENCODING", "big"});
  ExpectSame({"INCR", "counter"});
  ExpectSame({"OBJECT", "ENCODING", "counter"});
}

// RESP3 changes the shape of some string replies; floats from INCRBYFLOAT stay bulk strings.
TEST_F(StringsDiffTest, Resp3Replies) {
  SendBoth({"HELLO", "3"});
  ExpectSame({"GET", "missing"});
  ExpectSame({"MGET", "missing", "x"});
  ExpectSame({"SET", "k", "v", "NX"});
  ExpectSame({"SET", "k", "v", "NX"});
  ExpectSame({"SET", "k", "v", "XX", "GET"});
  ExpectSame({"INCRBYFLOAT", "f", "1.5"});
  ExpectSame({"GETEX", "missing"});
  ExpectSame({"GETDEL", "missing"});
  ExpectSame({"MSET", "key1", "ohmytext", "key2", "mynewtext"});
  ExpectSame({"LCS", "key1", "key2", "IDX", "WITHMATCHLEN"});
  ExpectSame({"LCS", "key1", "key2", "LEN"});
  ExpectSame({"GETRANGE", "missing", "0", "1"});
}

}  // namespace
}  // namespace rill::testing
