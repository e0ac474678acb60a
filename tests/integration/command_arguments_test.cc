// Every command in the server's own command table, fed wrong arities, wrong-type keys and
// hostile argument values (empty, negative, overflowing, non-numeric, huge): each gets a reply,
// wrong arity gets Redis's exact error, the server never crashes or hangs, and a key written
// before the barrage reads back unchanged. The cases are generated from `COMMAND`, so a command
// added later is covered without touching this file.
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "tests/support/resp_value.h"
#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

class CommandArgumentsTest : public ServerTest {};

// Commands that would end the server, wipe or move every key (the sentinel with them), or make
// it a replica of a made-up host; they have their own tests.
const std::set<std::string> kSkipped = {"shutdown", "debug",     "flushall", "flushdb",
                                        "swapdb",   "replicaof", "slaveof",  "failover",
                                        "sync",     "psync",     "monitor"};

// Values that break numeric parsers, range checks and length arithmetic.
const std::vector<std::string>& HostileValues() {
  static const auto* values = new std::vector<std::string>{
      "",
      "0",
      "1",
      "-1",
      "-9223372036854775808",
      "9223372036854775808",
      "1.5",
      "inf",
      "nan",
      "abc",
      "*",
      "-",
      "+",
      "$",
      ">",
      "str",
      "lst",
      "stm",
      std::string(4096, 'x'),
  };
  return *values;
}

struct CommandShape {
  std::vector<std::string> prefix;  // {"get"} or {"config", "get"}
  std::string full_name;            // "get" or "config|get"
  int64_t arity = 0;
  bool blocking = false;
};

void Collect(const RespValue& entry, const std::string& parent, std::vector<CommandShape>* out) {
  ASSERT_GE(entry.elements.size(), 10u);
  CommandShape shape;
  shape.full_name = entry.elements[0].text;
  shape.arity = entry.elements[1].integer;
  for (const RespValue& flag : entry.elements[2].elements) {
    if (flag.text == "blocking") shape.blocking = true;
  }
  if (parent.empty()) {
    shape.prefix = {shape.full_name};
  } else {
    shape.prefix = {parent, shape.full_name.substr(shape.full_name.find('|') + 1)};
  }
  const RespValue& subcommands = entry.elements[9];
  if (!subcommands.elements.empty()) {
    for (const RespValue& sub : subcommands.elements) Collect(sub, shape.full_name, out);
    return;
  }
  out->push_back(std::move(shape));
}

class Barrage {
 public:
  explicit Barrage(ServerTest* test, int port) : port_(port) { Reconnect(); }

  // Sends `argv` and returns its reply; "" when none came within the wait (the connection is
  // then replaced, which also ends a blocked or subscribed state).
  std::string Run(const std::vector<std::string>& argv, bool may_block) {
    ++cases_;
    client_->Send(argv);
    const auto wait = may_block ? std::chrono::milliseconds(20) : std::chrono::seconds(10);
    std::string reply = client_->ReadReply(wait);
    if (reply.empty()) {
      Reconnect();
      return reply;
    }
    // Undo whatever state the command left on the connection (MULTI, SUBSCRIBE, HELLO 3,
    // SELECT, CLIENT REPLY ...), skipping any further replies it had (SUBSCRIBE a b answers
    // twice). A connection the command closed (QUIT) is replaced.
    client_->Send({"RESET"});
    while (true) {
      std::string next = client_->ReadReply(std::chrono::seconds(10));
      if (next == "+RESET\r\n") break;
      if (next.empty()) {
        Reconnect();
        break;
      }
    }
    return reply;
  }

  int cases() const { return cases_; }

 private:
  void Reconnect() {
    client_ = std::make_unique<RespClient>();
    ASSERT_TRUE(client_->Connect(port_));
  }

  int port_;
  std::unique_ptr<RespClient> client_;
  int cases_ = 0;
};

TEST_F(CommandArgumentsTest, EveryCommandSurvivesBadArguments) {
  auto control = Connect();
  ASSERT_TRUE(control);
  // Keys of each type Rill has, named like some of the hostile values so that wrong-type paths
  // run, and a sentinel in another database that no generated command can name.
  ASSERT_EQ(control->Command({"SET", "str", "12"}), "+OK\r\n");
  ASSERT_EQ(control->Command({"RPUSH", "lst", "a", "b"}), ":2\r\n");
  ASSERT_EQ(control->Command({"XADD", "stm", "1-1", "f", "v"}), "$3\r\n1-1\r\n");
  ASSERT_EQ(control->Command({"SELECT", "9"}), "+OK\r\n");
  ASSERT_EQ(control->Command({"SET", "sentinel", "unchanged"}), "+OK\r\n");

  std::optional<RespValue> table = ParseResp(control->Command({"COMMAND"}));
  ASSERT_TRUE(table.has_value());
  std::vector<CommandShape> shapes;
  for (const RespValue& entry : table->elements) Collect(entry, "", &shapes);
  ASSERT_GT(shapes.size(), 150u);

  Barrage barrage(this, port());
  int arity_errors = 0;
  for (const CommandShape& shape : shapes) {
    if (kSkipped.count(shape.prefix[0])) continue;
    SCOPED_TRACE(shape.full_name);
    const size_t base = shape.prefix.size();
    const size_t min_args = static_cast<size_t>(shape.arity < 0 ? -shape.arity : shape.arity);
    // Wrong arity: one argument short, and one too many for fixed-arity commands.
    std::vector<size_t> wrong_counts;
    if (min_args > base) wrong_counts.push_back(min_args - 1);
    if (shape.arity > 0) wrong_counts.push_back(min_args + 1);
    for (size_t count : wrong_counts) {
      std::vector<std::string> argv = shape.prefix;
      argv.resize(count, "k");
      std::string reply = barrage.Run(argv, shape.blocking);
      std::string expected = "wrong number of arguments for '" + shape.full_name + "' command\r\n";
      // A refused EXEC says so as EXECABORT, even outside MULTI (as Redis 7.0).
      expected =
          (shape.full_name == "exec" ? "-EXECABORT Transaction discarded because of: " : "-ERR ") +
          expected;
      EXPECT_EQ(reply, expected) << "argc " << count;
      ++arity_errors;
    }
    // Valid arities filled with hostile values, all the same or after a wrong-type key.
    for (size_t count = std::max(base + 1, min_args); count <= std::max(base, min_args) + 2;
         ++count) {
      if (shape.arity > 0 && count != min_args) continue;
      for (const std::string& value : HostileValues()) {
        for (const char* first : {"", "lst", "stm", "str"}) {
          std::vector<std::string> argv = shape.prefix;
          if (*first) argv.push_back(first);
          argv.resize(std::max(count, argv.size()), value);
          std::string reply = barrage.Run(argv, shape.blocking);
          if (!shape.blocking) {
            EXPECT_FALSE(reply.empty()) << "no reply to " << EscapeBytes(argv.back());
          }
        }
      }
    }
    ASSERT_EQ(control->Command({"PING"}), "+PONG\r\n") << "after " << shape.full_name;
    ASSERT_EQ(control->Command({"GET", "sentinel"}), "$9\r\nunchanged\r\n");
  }
  EXPECT_GT(arity_errors, 150);
  EXPECT_GT(barrage.cases(), 15000);
  EXPECT_EQ(control->Command({"GET", "sentinel"}), "$9\r\nunchanged\r\n");
  EXPECT_TRUE(server().running());
}

}  // namespace
}  // namespace rill::testing
