// CLIENT LIST / CLIENT INFO: the same fields in the same order as redis-server, and the same
// values for everything that is not a timing, an address or a buffer size.
#include <chrono>
#include <sstream>
#include <thread>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

// Fields whose values depend on the server process rather than on the client's state.
bool Varies(const std::string& name) {
  for (const char* v : {"id", "addr", "laddr", "fd", "age", "idle", "qbuf", "qbuf-free", "argv-mem",
                        "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem"}) {
    if (name == v) return true;
  }
  return false;
}

// "name=value ..." of one client line with varying values masked.
std::string MaskLine(const std::string& line) {
  std::istringstream in(line);
  std::string field, out;
  while (in >> field) {
    size_t eq = field.find('=');
    std::string name = field.substr(0, eq);
    out += Varies(name) ? name + "=* " : field + " ";
  }
  return out;
}

// The line of the client called `name` in a CLIENT LIST / CLIENT INFO bulk reply, unmasked.
std::string RawLineOf(const std::string& reply, const std::string& name) {
  size_t at = reply.find(" name=" + name + " ");
  if (at == std::string::npos) return "(no client " + name + ") in " + reply;
  size_t start = reply.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  if (reply.compare(start, 1, "$") == 0) start = reply.find('\n', start) + 1;
  return reply.substr(start, reply.find('\n', at) - start);
}

std::string LineOf(const std::string& reply, const std::string& name) {
  return MaskLine(RawLineOf(reply, name));
}

// The value of `field` in a client line ("" when absent).
std::string FieldOf(const std::string& line, const std::string& field) {
  std::istringstream in(line);
  std::string item;
  while (in >> item) {
    if (item.compare(0, field.size() + 1, field + "=") == 0) return item.substr(field.size() + 1);
  }
  return "";
}

int64_t NumberOf(const std::string& line, const std::string& field) {
  const std::string value = FieldOf(line, field);
  return value.empty() ? -1 : std::stoll(value);
}

class ClientDiffTest : public DifferentialTest {
 protected:
  void ExpectSameInfo(const std::string& name,
                      const std::vector<std::string>& argv = {"CLIENT", "INFO"}) {
    EXPECT_EQ(LineOf(Rill(argv), name), LineOf(Redis(argv), name));
  }
};

TEST_F(ClientDiffTest, InfoFieldsAndFlags) {
  ExpectSame({"CLIENT", "SETNAME", "me"});
  ExpectSameInfo("me");
  ExpectSame({"SELECT", "3"});
  ExpectSame({"CLIENT", "NO-EVICT", "on"});
  ExpectSameInfo("me");
  ExpectSame({"CLIENT", "NO-EVICT", "maybe"});
  ExpectSame({"CLIENT", "NO-EVICT", "off"});
  ExpectSame({"WATCH", "k"});
  ExpectSame({"SET", "k", "v"});  // own write: the watch is dirty
  ExpectSameInfo("me");
  ExpectSame({"UNWATCH"});
  ExpectSameInfo("me", {"CLIENT", "LIST"});
  ExpectSame({"SELECT", "0"});
}

TEST_F(ClientDiffTest, ListShowsSubscriptionsAndTransactions) {
  ExpectSame({"CLIENT", "SETNAME", "main"});
  RespClient rill_sub, redis_sub, rill_tx, redis_tx;
  ASSERT_TRUE(rill_sub.Connect(rill_port()));
  ASSERT_TRUE(redis_sub.Connect(redis_port()));
  ASSERT_TRUE(rill_tx.Connect(rill_port()));
  ASSERT_TRUE(redis_tx.Connect(redis_port()));
  for (RespClient* c : {&rill_sub, &redis_sub}) {
    ASSERT_EQ(c->Command({"CLIENT", "SETNAME", "sub"}), "+OK\r\n");
    c->Command({"SUBSCRIBE", "a", "b"});
    c->Command({"PSUBSCRIBE", "p*"});
  }
  for (RespClient* c : {&rill_tx, &redis_tx}) {
    ASSERT_EQ(c->Command({"CLIENT", "SETNAME", "tx"}), "+OK\r\n");
    ASSERT_EQ(c->Command({"MULTI"}), "+OK\r\n");
    ASSERT_EQ(c->Command({"SET", "x", "1"}), "+QUEUED\r\n");
    ASSERT_EQ(c->Command({"GET", "x"}), "+QUEUED\r\n");
  }
  ExpectSameInfo("sub", {"CLIENT", "LIST"});
  ExpectSameInfo("tx", {"CLIENT", "LIST"});
  ExpectSameInfo("main", {"CLIENT", "LIST", "TYPE", "normal"});
  ExpectSame({"CLIENT", "LIST", "TYPE", "bogus"});
}

// The fields Redis fills deterministically for the client running CLIENT INFO: its query buffer
// (the command just parsed), the command's argument bytes, no transaction, no output waiting.
TEST_F(ClientDiffTest, OwnBufferFields) {
  ExpectSame({"CLIENT", "SETNAME", "me"});
  const std::string rill = RawLineOf(Rill({"CLIENT", "INFO"}), "me");
  const std::string redis = RawLineOf(Redis({"CLIENT", "INFO"}), "me");
  for (const char* field :
       {"qbuf", "argv-mem", "multi-mem", "obl", "oll", "omem", "events", "cmd", "redir", "resp"}) {
    EXPECT_EQ(FieldOf(rill, field), FieldOf(redis, field)) << field << "\n"
                                                           << rill << "\n"
                                                           << redis;
  }
  // *2 $6 client $4 info: 26 bytes, 10 of them arguments.
  EXPECT_EQ(FieldOf(rill, "qbuf"), "26");
  EXPECT_EQ(FieldOf(rill, "argv-mem"), "10");
  EXPECT_EQ(FieldOf(rill, "cmd"), "client|info");
  EXPECT_GT(NumberOf(rill, "tot-mem"), NumberOf(rill, "qbuf") + NumberOf(rill, "qbuf-free"));
}

// Commands read together share the query buffer until the whole batch ran, and the first
// reply waits in the reply buffer while the second command runs.
TEST_F(ClientDiffTest, PipelinedCommandsShareTheQueryBuffer) {
  ExpectSame({"CLIENT", "SETNAME", "pipe"});
  const std::string two = EncodeCommand({"CLIENT", "INFO"}) + EncodeCommand({"CLIENT", "INFO"});
  std::string lines[2][2];
  RespClient* clients[2] = {&rill_client(), &redis_client()};
  for (int c = 0; c < 2; ++c) {
    ASSERT_TRUE(clients[c]->SendRaw(two));
    for (int i = 0; i < 2; ++i) lines[c][i] = RawLineOf(clients[c]->ReadReply(), "pipe");
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(FieldOf(lines[0][i], "qbuf"), FieldOf(lines[1][i], "qbuf")) << i;
    EXPECT_EQ(FieldOf(lines[0][i], "qbuf"), "52");
  }
  EXPECT_EQ(NumberOf(lines[0][0], "obl"), 0);
  // The first reply: the line, its bulk header and the "\r\n".
  EXPECT_GT(NumberOf(lines[0][1], "obl"), static_cast<int64_t>(lines[0][0].size()));
  EXPECT_GT(NumberOf(lines[1][1], "obl"), static_cast<int64_t>(lines[1][0].size()));
}

class ClientBuffersDiffTest : public ClientDiffTest {
 protected:
  // The CLIENT LIST line of `name` once `ready` holds for it (the other connection's bytes
  // may take a moment to be read), from the main client of the server of `port`.
  template <typename Ready>
  std::string WaitForLine(bool rill, const std::string& name, Ready ready) {
    std::string line;
    for (int i = 0; i < 200; ++i) {
      line = RawLineOf(rill ? Rill({"CLIENT", "LIST"}) : Redis({"CLIENT", "LIST"}), name);
      if (ready(line)) return line;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return line;
  }
};

// A command half sent: the complete bulks are its arguments so far (argv-mem), what is left of
// the unfinished one stays in the query buffer (qbuf), both exactly as Redis counts them.
TEST_F(ClientBuffersDiffTest, HalfSentCommand) {
  ClientPair half = ConnectPair();
  ExpectSamePair(half, {"CLIENT", "SETNAME", "half"});
  for (RespClient* c : {half.rill.get(), half.redis.get()}) {
    ASSERT_TRUE(c->SendRaw("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$10\r\nabc"));
  }
  const auto started = [](const std::string& line) { return FieldOf(line, "qbuf") != "0"; };
  const std::string rill = WaitForLine(true, "half", started);
  const std::string redis = WaitForLine(false, "half", started);
  EXPECT_EQ(MaskLine(rill), MaskLine(redis));
  EXPECT_EQ(FieldOf(rill, "qbuf"), FieldOf(redis, "qbuf")) << rill << "\n" << redis;
  EXPECT_EQ(FieldOf(rill, "argv-mem"), FieldOf(redis, "argv-mem")) << rill << "\n" << redis;
  EXPECT_EQ(FieldOf(rill, "qbuf"), "3");
  EXPECT_EQ(FieldOf(rill, "argv-mem"), "4");
  // The rest of it: the command runs and nothing is pending any more.
  for (RespClient* c : {half.rill.get(), half.redis.get()}) {
    ASSERT_TRUE(c->SendRaw("defghij\r\n"));
    EXPECT_EQ(c->ReadReply(), "+OK\r\n");
  }
  const std::string after = RawLineOf(Rill({"CLIENT", "LIST"}), "half");
  EXPECT_EQ(FieldOf(after, "qbuf"), "0");
  EXPECT_EQ(FieldOf(after, "argv-mem"), "0");
  EXPECT_EQ(FieldOf(after, "cmd"), "set");
}

// A big argument arriving: qbuf grows with its bytes, and so does tot-mem.
TEST_F(ClientBuffersDiffTest, QueryBufferGrowsWithABigArgument) {
  ClientPair big = ConnectPair();
  ExpectSamePair(big, {"CLIENT", "SETNAME", "big"});
  const std::string header = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$300000\r\n";
  for (bool rill : {true, false}) {
    RespClient* c = rill ? big.rill.get() : big.redis.get();
    ASSERT_TRUE(c->SendRaw(header + std::string(100000, 'x')));
    const std::string first = WaitForLine(
        rill, "big", [](const std::string& line) { return NumberOf(line, "qbuf") >= 100000; });
    EXPECT_GE(NumberOf(first, "qbuf"), 100000) << first;
    EXPECT_EQ(FieldOf(first, "argv-mem"), "4") << first;  // SET and k
    ASSERT_TRUE(c->SendRaw(std::string(100000, 'x')));
    const std::string second = WaitForLine(
        rill, "big", [](const std::string& line) { return NumberOf(line, "qbuf") >= 200000; });
    EXPECT_GE(NumberOf(second, "qbuf"), 200000) << second;
    EXPECT_GE(NumberOf(second, "tot-mem"), 200000) << second;
    ASSERT_TRUE(c->SendRaw(std::string(100000, 'x') + "\r\n"));
    EXPECT_EQ(c->ReadReply(), "+OK\r\n");
  }
}

// Queued MULTI commands: multi-mem is their arguments' bytes and a pointer per argument, as
// Redis 7.0 counts it, growing with each command queued.
TEST_F(ClientBuffersDiffTest, MultiMemGrowsWithQueuedCommands) {
  ClientPair tx = ConnectPair();
  ExpectSamePair(tx, {"CLIENT", "SETNAME", "tx"});
  ExpectSamePair(tx, {"MULTI"});
  int64_t previous = 0;
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"SET", "x", "1"}, {"GET", "x"}, {"RPUSH", "list", "a", "bb", "ccc"}}) {
    ExpectSamePair(tx, command);
    const std::string rill = RawLineOf(Rill({"CLIENT", "LIST"}), "tx");
    const std::string redis = RawLineOf(Redis({"CLIENT", "LIST"}), "tx");
    EXPECT_EQ(FieldOf(rill, "multi-mem"), FieldOf(redis, "multi-mem")) << rill << "\n" << redis;
    EXPECT_EQ(FieldOf(rill, "multi"), FieldOf(redis, "multi"));
    EXPECT_EQ(FieldOf(rill, "cmd"), FieldOf(redis, "cmd"));
    EXPECT_GT(NumberOf(rill, "multi-mem"), previous);
    previous = NumberOf(rill, "multi-mem");
  }
  EXPECT_EQ(previous, 5 + 3 * 8 + 4 + 2 * 8 + 15 + 5 * 8);
  ExpectSamePair(tx, {"DISCARD"});
  EXPECT_EQ(FieldOf(RawLineOf(Rill({"CLIENT", "LIST"}), "tx"), "multi-mem"), "0");
}

// A client that does not read its replies: the output waits (omem), the event loop watches
// for writability (events=rw), tot-mem holds it.
TEST_F(ClientBuffersDiffTest, StalledReaderHoldsOutput) {
  ExpectSame({"SET", "big", std::string(1 << 20, 'v')});
  ClientPair stall = ConnectPair();
  ExpectSamePair(stall, {"CLIENT", "SETNAME", "stall"});
  std::string gets;
  for (int i = 0; i < 32; ++i) gets += EncodeCommand({"GET", "big"});
  for (bool rill : {true, false}) {
    ASSERT_TRUE((rill ? stall.rill : stall.redis)->SendRaw(gets));
    // Redis may be seen with the replies queued but not yet tried on the socket (events=r):
    // wait for the first write that the socket did not take all of.
    const std::string line = WaitForLine(rill, "stall", [](const std::string& line) {
      return NumberOf(line, "omem") > 1000000 && FieldOf(line, "events") == "rw";
    });
    EXPECT_GT(NumberOf(line, "omem"), 1000000) << line;
    EXPECT_GE(NumberOf(line, "oll"), 1) << line;
    EXPECT_EQ(FieldOf(line, "events"), "rw") << (rill ? "rill: " : "redis: ") << line;
    EXPECT_GT(NumberOf(line, "tot-mem"), NumberOf(line, "omem")) << line;
    EXPECT_EQ(FieldOf(line, "cmd"), "get") << line;
  }
  ExpectSame({"DEL", "big"});
}

// MONITOR shows as 'O', as in Redis.
TEST_F(ClientBuffersDiffTest, MonitorFlag) {
  ClientPair mon = ConnectPair();
  ExpectSamePair(mon, {"CLIENT", "SETNAME", "mon"});
  ExpectSamePair(mon, {"MONITOR"});
  ExpectSameInfo("mon", {"CLIENT", "LIST"});
  EXPECT_EQ(FieldOf(RawLineOf(Rill({"CLIENT", "LIST"}), "mon"), "flags"), "O");
}

}  // namespace
}  // namespace rill::testing
