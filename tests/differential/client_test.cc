// CLIENT LIST / CLIENT INFO: the same fields in the same order as redis-server, and the same
// values for everything that is not a timing, an address or a buffer size.
#include <sstream>

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

// The line of the client called `name` in a CLIENT LIST / CLIENT INFO bulk reply.
std::string LineOf(const std::string& reply, const std::string& name) {
  size_t at = reply.find(" name=" + name + " ");
  if (at == std::string::npos) return "(no client " + name + ") in " + reply;
  size_t start = reply.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  if (reply.compare(start, 1, "$") == 0) start = reply.find('\n', start) + 1;
  return MaskLine(reply.substr(start, reply.find('\n', at) - start));
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

}  // namespace
}  // namespace rill::testing
