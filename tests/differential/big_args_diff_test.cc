// Big arguments (32 KB and more) compared with redis: Rill reads a bulk that has not fully
// arrived into a buffer of its own and SET keeps that buffer as the value (no copy), so every
// way such a value is read, changed, copied, overwritten in the same command, postponed or
// refused must still answer exactly as Redis does.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

using std::chrono::milliseconds;

class BigArgsDiffTest : public DifferentialTest {
 protected:
  // `size` bytes with a pattern, so that a shifted or truncated copy does not compare equal.
  static std::string Pattern(size_t size, char seed) {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>(seed + i % 251);
    return s;
  }

  // Sends `bytes` to both servers in pieces of `piece` bytes with a short pause between them,
  // so that each server reads a bulk over several reads, then compares `replies` replies.
  void ExpectSameInPieces(const std::string& bytes, size_t piece, int replies,
                          const std::string& what) {
    for (size_t at = 0; at < bytes.size(); at += piece) {
      const std::string part = bytes.substr(at, piece);
      ASSERT_TRUE(rill_client().SendRaw(part));
      ASSERT_TRUE(redis_client().SendRaw(part));
      std::this_thread::sleep_for(milliseconds(2));
    }
    for (int i = 0; i < replies; ++i) {
      ExpectSameReplies(what + " reply " + std::to_string(i), rill_client().ReadReply(),
                        redis_client().ReadReply());
    }
  }

  // The same command to both; only the replies' sizes show in a failure message.
  void ExpectSameQuiet(const std::vector<std::string>& argv, const std::string& what) {
    ExpectSameReplies(what, rill_client().Command(argv), redis_client().Command(argv));
  }
};

TEST_F(BigArgsDiffTest, BigValueReadChangedCopiedAndDeleted) {
  const std::string value = Pattern(100 * 1024, 'a');
  ExpectSameQuiet({"SET", "big", value}, "SET big");
  ExpectSameQuiet({"GET", "big"}, "GET big");
  ExpectSame({"STRLEN", "big"});
  ExpectSame({"OBJECT", "ENCODING", "big"});
  ExpectSame({"TYPE", "big"});
  ExpectSame({"GETRANGE", "big", "0", "9"});
  ExpectSame({"GETRANGE", "big", "-10", "-1"});
  ExpectSame({"INCR", "big"});
  ExpectSame({"COPY", "big", "copy"});
  ExpectSameQuiet({"GET", "copy"}, "GET copy");
  ExpectSame({"APPEND", "big", "tail"});
  ExpectSame({"STRLEN", "big"});
  ExpectSame({"GETRANGE", "big", "-8", "-1"});
  ExpectSame({"OBJECT", "ENCODING", "big"});
  ExpectSame({"SETRANGE", "copy", "102398", "xyz"});
  ExpectSame({"GETRANGE", "copy", "102390", "-1"});
  ExpectSame({"RENAME", "copy", "renamed"});
  ExpectSameQuiet({"GET", "renamed"}, "GET renamed");
  ExpectSame({"EXPIRE", "renamed", "100"});
  ExpectSame({"PERSIST", "renamed"});
  ExpectSameQuiet({"GETDEL", "renamed"}, "GETDEL renamed");
  ExpectSame({"DEL", "big", "renamed"});
  ExpectSame({"EXISTS", "big"});
}

TEST_F(BigArgsDiffTest, BigArgumentsAnywhereInTheCommand) {
  const std::string one = Pattern(64 * 1024, 'a');
  const std::string two = Pattern(48 * 1024, 'q');
  // Options after the big value; the old value returned by GET.
  ExpectSameQuiet({"SET", "k", one, "EX", "100"}, "SET k one EX");
  ExpectSame({"TTL", "k"});
  ExpectSameQuiet({"SET", "k", two, "GET"}, "SET k two GET");
  ExpectSameQuiet({"GET", "k"}, "GET k");
  ExpectSameQuiet({"SET", "k", one, "NX"}, "SET k one NX");
  ExpectSameQuiet({"SETEX", "k", "100", one}, "SETEX");
  ExpectSameQuiet({"GETSET", "k", two}, "GETSET");
  // Two big values in one command, and one key written twice by the same MSET.
  ExpectSameQuiet({"MSET", "a", one, "b", two}, "MSET a b");
  ExpectSameQuiet({"MGET", "a", "b"}, "MGET a b");
  ExpectSameQuiet({"MSET", "a", one, "a", two}, "MSET a a");
  ExpectSameQuiet({"GET", "a"}, "GET a");
  ExpectSameQuiet({"MSETNX", "x", one, "a", two}, "MSETNX");
  // A big key, and big arguments that are not stored as strings.
  const std::string key = Pattern(40 * 1024, 'K');
  ExpectSameQuiet({"SET", key, "small"}, "SET bigkey");
  ExpectSameQuiet({"GET", key}, "GET bigkey");
  ExpectSameQuiet({"ECHO", one}, "ECHO");
  ExpectSameQuiet({"RPUSH", "list", one, two}, "RPUSH");
  ExpectSameQuiet({"LRANGE", "list", "0", "-1"}, "LRANGE");
  ExpectSameQuiet({"PUBLISH", "channel", one}, "PUBLISH");
  ExpectSame({"MULTI"});
  ExpectSameQuiet({"SET", "tx", two}, "SET in MULTI");
  ExpectSameQuiet({"EXEC"}, "EXEC");
  ExpectSameQuiet({"GET", "tx"}, "GET tx");
  ExpectSame({"DEL", "k", "a", "b", "x", key, "list", "tx"});
}

TEST_F(BigArgsDiffTest, BigValuesArrivingInPiecesWithCommandsBehind) {
  const std::string one = Pattern(300 * 1024, 'c');
  const std::string two = Pattern(70 * 1024, 'd');
  // Two big bulks in one command, each over several reads, with pipelined commands behind.
  const std::string bytes = EncodeCommand({"MSET", "p1", one, "p2", two}) +
                            EncodeCommand({"STRLEN", "p1"}) + EncodeCommand({"GET", "p2"}) +
                            EncodeCommand({"SET", "p3", one}) + EncodeCommand({"PING"});
  ExpectSameInPieces(bytes, 7000, 5, "pieces of 7000");
  // Pieces that cut right after a bulk header and inside a CRLF.
  const std::string header =
      "*3\r\n$3\r\nSET\r\n$2\r\np4\r\n$" + std::to_string(one.size()) + "\r\n";
  ExpectSameInPieces(header + one + "\r", one.size(), 0, "cut before the LF");
  ExpectSameInPieces("\n" + EncodeCommand({"GET", "p4"}), 1 << 20, 2, "the LF and a GET");
  ExpectSame({"DEL", "p1", "p2", "p3", "p4"});
}

// CLIENT PAUSE WRITE holds a big SET back; it runs when the pause ends, with its value intact.
TEST_F(BigArgsDiffTest, BigSetPostponedByClientPause) {
  const std::string value = Pattern(200 * 1024, 'p');
  ClientPair other = ConnectPair();
  ExpectSamePair(other, {"CLIENT", "PAUSE", "300", "WRITE"});
  ASSERT_TRUE(rill_client().Send({"SET", "paused", value}));
  ASSERT_TRUE(redis_client().Send({"SET", "paused", value}));
  ExpectSameReplies("SET after the pause", rill_client().ReadReply(), redis_client().ReadReply());
  ExpectSameQuiet({"GET", "paused"}, "GET paused");
  ExpectSame({"DEL", "paused"});
}

// client-query-buffer-limit counts a big argument's bytes as they arrive: past the limit the
// connection is closed without a reply.
TEST_F(BigArgsDiffTest, BigArgumentPastTheQueryBufferLimit) {
  ExpectSame({"CONFIG", "SET", "client-query-buffer-limit", "1mb"});
  ExpectSameThenClose(EncodeCommand({"SET", "over", Pattern(2 * 1024 * 1024, 'o')}));
  ExpectSame({"CONFIG", "SET", "client-query-buffer-limit", "1gb"});
  ExpectSame({"EXISTS", "over"});
}

}  // namespace
}  // namespace rill::testing
