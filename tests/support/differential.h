// Differential test fixture: one rill-server and one redis-server per test suite; every case
// sends the same bytes to both and expects the same reply bytes back.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {

// How two replies are compared.
enum class Compare {
  kExact,        // Byte for byte.
  kSortedArray,  // Top-level array elements may come in any order (KEYS, SMEMBERS...).
  // Top-level elements are field/value pairs (or a RESP3 map) whose pairs may come in any order
  // (HGETALL of a hash table).
  kSortedPairs,
  // COMMAND DOCS: Rill writes its summaries, complexity notes and history notes in its own
  // words, so those texts are masked; every other byte (structure, arguments, since, flags)
  // must match.
  kDocsStructure,
};

// Replaces the texts of "summary", "complexity" and history descriptions in a COMMAND DOCS
// reply (RESP2 or RESP3) with a fixed placeholder. Other replies come back unchanged.
std::string MaskDocsProse(const std::string& reply);

// Splits a complete aggregate reply ("*3\r\n..." or RESP3 "~"/">") into its header line and the
// raw bytes of each element. Returns false if `reply` is not an aggregate.
bool SplitAggregate(const std::string& reply, std::string* header,
                    std::vector<std::string>* elements);

// The value of a bulk-string reply ("$3\r\nabc\r\n" -> "abc"); "" for anything else.
std::string BulkValue(const std::string& reply);
// The bulk-string elements of an array reply.
std::vector<std::string> BulkArray(const std::string& reply);

// Rebuilds `reply` with its top-level elements sorted; non-aggregates are returned unchanged.
// Maps count as aggregates of their keys and values.
std::string SortAggregate(const std::string& reply);
// Rebuilds an aggregate of field/value pairs (or a map) with its pairs sorted.
std::string SortPairs(const std::string& reply);

class DifferentialTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;

  // Sends `argv` to both servers and expects equal replies. Returns rill's reply.
  std::string ExpectSame(const std::vector<std::string>& argv, Compare compare = Compare::kExact);
  // Sends the same raw bytes to both and expects the same single reply.
  std::string ExpectSameRaw(const std::string& bytes, Compare compare = Compare::kExact);
  // Sends raw bytes that make both servers close the connection, and expects the same bytes
  // before the close. Reconnects both clients afterwards.
  void ExpectSameThenClose(const std::string& bytes);
  // Runs a SCAN-family command (argv[cursor_index] is the cursor) to completion on both servers
  // and expects the same set of returned elements.
  void ExpectSameScan(std::vector<std::string> argv, size_t cursor_index = 1);

  // Sends to one side only (for set-up whose reply is checked elsewhere).
  std::string Rill(const std::vector<std::string>& argv) { return rill_->Command(argv); }
  std::string Redis(const std::vector<std::string>& argv) { return redis_->Command(argv); }
  // Same command to both, replies not compared (e.g. HELLO, whose id differs).
  void SendBoth(const std::vector<std::string>& argv);

  RespClient& rill_client() { return *rill_; }
  RespClient& redis_client() { return *redis_; }
  // Extra connections, for cases that need several clients (blocking, pub/sub).
  int rill_port() const { return rill_server_->port(); }
  int redis_port() const { return redis_server_->port(); }

  // One more client on each server, driven in lockstep.
  struct ClientPair {
    std::unique_ptr<RespClient> rill = std::make_unique<RespClient>();
    std::unique_ptr<RespClient> redis = std::make_unique<RespClient>();
  };
  ClientPair ConnectPair();
  // Sends to both without reading (a command that blocks, or a pipeline).
  void SendPair(ClientPair& p, const std::vector<std::string>& argv);
  // Sends to both and compares the replies.
  void ExpectSamePair(ClientPair& p, const std::vector<std::string>& argv);
  // Reads one reply from each and compares them.
  void ExpectSameRead(ClientPair& p, const std::string& what);
  // Compares two replies already read from each side, with the same rules as ExpectSame.
  void ExpectSameReplies(const std::string& what, const std::string& rill_reply,
                         const std::string& redis_reply, Compare compare = Compare::kExact) {
    ExpectEqualReplies(what, rill_reply, redis_reply, compare);
  }

  // Runs `f` twice, after HELLO 2 and after HELLO 3, each time on emptied servers; RESP2 after.
  template <typename F>
  void InBothProtocols(F&& f) {
    for (const char* proto : {"2", "3"}) {
      SCOPED_TRACE(absl::StrCat("RESP", proto));
      SendBoth({"HELLO", proto});
      SendBoth({"FLUSHALL"});
      f();
    }
    SendBoth({"HELLO", "2"});
  }

  // Redis's dirty counter (INFO persistence rdb_changes_since_last_save), which decides what
  // is propagated; -1 when the field is missing.
  static int64_t Dirty(RespClient& c);
  // Publishes a marker on "__keyevent@marker" and expects `sub` (pattern-subscribed to keyspace
  // events, the marker's channel included) to have received the same frames before it on both
  // servers. Returns Rill's frames.
  std::string ExpectSameEventsBeforeMarker(ClientPair& sub, const std::string& what);
  // For each command: the same reply, the same growth of the dirty counter and the same
  // keyspace events (notify-keyspace-events KEA while it runs, "" after).
  void ExpectSameEffects(const std::vector<std::vector<std::string>>& commands);

 private:
  void ConnectClients();
  void ExpectEqualReplies(const std::string& what, std::string rill_reply, std::string redis_reply,
                          Compare compare);

  static ServerProcess* rill_server_;
  static ServerProcess* redis_server_;
  static std::string* setup_error_;

  std::unique_ptr<RespClient> rill_;
  std::unique_ptr<RespClient> redis_;
};

}  // namespace rill::testing
