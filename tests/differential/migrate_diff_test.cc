// MIGRATE between rill and redis-server 7.0 over loopback: each server migrates to the other, and
// the two directions must give the same replies, move the same values and leave the same source
// keys; errors (syntax, KEYS with a key, NOKEY, a refused connection, a target that never
// answers, the target's own errors such as BUSYKEY and WRONGPASS) are compared byte for byte.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/support/differential.h"

namespace rill::testing {
namespace {

using Argv = std::vector<std::string>;

class MigrateDiffTest : public DifferentialTest {
 protected:
  // MIGRATE sent to each server with the other as its target: `tail` follows
  // "MIGRATE 127.0.0.1 <port>". Returns rill's reply after comparing the two.
  std::string MigrateAcross(const Argv& tail) {
    Argv to_redis = {"MIGRATE", "127.0.0.1", std::to_string(redis_port())};
    Argv to_rill = {"MIGRATE", "127.0.0.1", std::to_string(rill_port())};
    to_redis.insert(to_redis.end(), tail.begin(), tail.end());
    to_rill.insert(to_rill.end(), tail.begin(), tail.end());
    const std::string rill_reply = Rill(to_redis);
    const std::string redis_reply = Redis(to_rill);
    ExpectSameReplies("MIGRATE " + absl::StrJoin(tail, " "), rill_reply, redis_reply);
    return rill_reply;
  }

  // The same command to both servers, compared.
  void Same(const Argv& argv) { ExpectSame(argv); }
};

TEST_F(MigrateDiffTest, MovesKeysBothWays) {
  // The same values on both, renamed per side (from_rill_*, from_redis_*) so that what each
  // server receives collides with nothing it has.
  Rill({"SET", "r_str", "hello"});
  Redis({"SET", "r_str", "hello"});
  Rill({"RPUSH", "r_list", "a", "b", "1"});
  Redis({"RPUSH", "r_list", "a", "b", "1"});
  Rill({"ZADD", "r_z", "1", "x", "2", "y"});
  Redis({"ZADD", "r_z", "1", "x", "2", "y"});
  Rill({"HSET", "r_h", "f", "v"});
  Redis({"HSET", "r_h", "f", "v"});
  Rill({"SET", "r_ttl", "v", "EX", "1000"});
  Redis({"SET", "r_ttl", "v", "EX", "1000"});
  for (const char* k : {"r_str", "r_list", "r_z", "r_h", "r_ttl"}) {
    Rill({"RENAME", k, std::string("from_rill_") + k});
    Redis({"RENAME", k, std::string("from_redis_") + k});
  }
  // Single keys.
  EXPECT_EQ(
      Rill({"MIGRATE", "127.0.0.1", std::to_string(redis_port()), "from_rill_r_str", "0", "5000"}),
      "+OK\r\n");
  EXPECT_EQ(
      Redis({"MIGRATE", "127.0.0.1", std::to_string(rill_port()), "from_redis_r_str", "0", "5000"}),
      "+OK\r\n");
  // KEYS, with a missing key among them.
  EXPECT_EQ(Rill({"MIGRATE", "127.0.0.1", std::to_string(redis_port()), "", "0", "5000", "KEYS",
                  "from_rill_r_list", "nope", "from_rill_r_z", "from_rill_r_ttl"}),
            "+OK\r\n");
  EXPECT_EQ(Redis({"MIGRATE", "127.0.0.1", std::to_string(rill_port()), "", "0", "5000", "KEYS",
                   "from_redis_r_list", "nope", "from_redis_r_z", "from_redis_r_ttl"}),
            "+OK\r\n");
  // COPY keeps the source.
  EXPECT_EQ(Rill({"MIGRATE", "127.0.0.1", std::to_string(redis_port()), "from_rill_r_h", "0",
                  "5000", "COPY"}),
            "+OK\r\n");
  EXPECT_EQ(Redis({"MIGRATE", "127.0.0.1", std::to_string(rill_port()), "from_redis_r_h", "0",
                   "5000", "COPY"}),
            "+OK\r\n");
  // Each server now holds the other's moved keys, and its own copied hash.
  for (const Argv& read : std::vector<Argv>{{"GET", "r_str"},
                                            {"LRANGE", "r_list", "0", "-1"},
                                            {"ZRANGE", "r_z", "0", "-1", "WITHSCORES"},
                                            {"HGETALL", "r_h"},
                                            {"TTL", "r_ttl"},
                                            {"OBJECT", "ENCODING", "r_z"}}) {
    const size_t at = read[0] == "OBJECT" ? 2 : 1;  // where the key is
    Argv on_rill = read, on_redis = read;
    on_rill[at] = "from_redis_" + read[at];
    on_redis[at] = "from_rill_" + read[at];
    ExpectSameReplies(absl::StrJoin(read, " "), Rill(on_rill), Redis(on_redis));
    Argv own_rill = read, own_redis = read;
    own_rill[at] = "from_rill_" + read[at];
    own_redis[at] = "from_redis_" + read[at];
    ExpectSameReplies("source " + absl::StrJoin(read, " "), Rill(own_rill), Redis(own_redis));
  }
  ExpectSame({"DBSIZE"});
}

TEST_F(MigrateDiffTest, ReplaceDatabaseAndTargetErrors) {
  SendBoth({"SET", "k", "source"});
  SendBoth({"SET", "k2", "source2"});
  // The key exists on the target: BUSYKEY comes back inside the target's error.
  MigrateAcross({"k", "0", "5000"});
  MigrateAcross({"k", "0", "5000", "COPY"});
  Same({"GET", "k"});
  // REPLACE overwrites it; each server's k now came from the other.
  MigrateAcross({"k", "0", "5000", "REPLACE", "COPY"});
  MigrateAcross({"k", "0", "5000", "REPLACE"});
  // Another database of the target, then back to 0 on the cached connection.
  MigrateAcross({"k2", "3", "5000", "COPY"});
  Same({"SELECT", "3"});
  Same({"GET", "k2"});
  Same({"SELECT", "0"});
  MigrateAcross({"k2", "99", "5000", "COPY"});
  MigrateAcross({"k2", "0", "5000", "COPY"});
  // Authentication the target refuses, and one it accepts (a user on both).
  MigrateAcross({"k2", "0", "5000", "COPY", "REPLACE", "AUTH", "wrong"});
  MigrateAcross({"k2", "0", "5000", "COPY", "REPLACE", "AUTH2", "nobody", "pw"});
  SendBoth({"ACL", "SETUSER", "mig", "on", ">pw", "~*", "+@all"});
  MigrateAcross({"k2", "0", "5000", "COPY", "REPLACE", "AUTH2", "mig", "pw"});
  SendBoth({"ACL", "DELUSER", "mig"});
}

// The cached connection to a target is closed once idle for more than 10 seconds, by a
// once-a-second check, as Redis's cron does: the target sees it go without another MIGRATE.
TEST_F(MigrateDiffTest, IdleCachedConnectionIsClosedAfterTenSeconds) {
  Rill({"SET", "idle_r", "v"});
  Redis({"SET", "idle_s", "v"});
  EXPECT_EQ(Rill({"MIGRATE", "127.0.0.1", std::to_string(redis_port()), "idle_r", "0", "5000"}),
            "+OK\r\n");
  EXPECT_EQ(Redis({"MIGRATE", "127.0.0.1", std::to_string(rill_port()), "idle_s", "0", "5000"}),
            "+OK\r\n");
  // The connections each target sees, by their last command.
  auto restore_connections = [](const std::string& client_list) {
    size_t n = 0;
    for (size_t at = client_list.find("cmd=restore"); at != std::string::npos;
         at = client_list.find("cmd=restore", at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(restore_connections(Redis({"CLIENT", "LIST"})), 1u) << "rill's cached connection";
  EXPECT_EQ(restore_connections(Rill({"CLIENT", "LIST"})), 1u) << "redis's cached connection";
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_EQ(restore_connections(Redis({"CLIENT", "LIST"})), 1u) << "kept while young";
  EXPECT_EQ(restore_connections(Rill({"CLIENT", "LIST"})), 1u) << "kept while young";
  // Gone between 10 and 12 seconds after the last use; allow for a loaded machine.
  size_t at_redis = 1, at_rill = 1;
  for (int i = 0; i < 150 && (at_redis != 0 || at_rill != 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    at_redis = restore_connections(Redis({"CLIENT", "LIST"}));
    at_rill = restore_connections(Rill({"CLIENT", "LIST"}));
  }
  EXPECT_EQ(at_redis, 0u) << "rill closed its idle MIGRATE connection";
  EXPECT_EQ(at_rill, 0u) << "redis closed its idle MIGRATE connection";
}

TEST_F(MigrateDiffTest, ArgumentErrorsAndUnreachableTargets) {
  SendBoth({"SET", "k", "v"});
  for (const Argv& argv : std::vector<Argv>{
           {"MIGRATE", "127.0.0.1", "1", "k", "0", "100", "BOGUS"},
           {"MIGRATE", "127.0.0.1", "1", "k", "0", "100", "AUTH"},
           {"MIGRATE", "127.0.0.1", "1", "k", "0", "100", "AUTH2", "u"},
           {"MIGRATE", "127.0.0.1", "1", "k", "0", "100", "KEYS", "k"},
           {"MIGRATE", "127.0.0.1", "1", "", "0", "100", "KEYS"},
           {"MIGRATE", "127.0.0.1", "1", "", "0", "100", "KEYS", "nope", "nope2"},
           {"MIGRATE", "127.0.0.1", "1", "nope", "0", "100"},
           {"MIGRATE", "127.0.0.1", "1", "k", "0", "x"},
           {"MIGRATE", "127.0.0.1", "1", "k", "x", "100"},
           {"MIGRATE", "127.0.0.1", "1", "k", "0", "100", "COPY", "REPLACE"},
           {"MIGRATE", "127.0.0.1", "notaport", "k", "0", "100"},
           {"MIGRATE", "127.0.0.1", "1", "k", "0"},
           {"MIGRATE", "no.such.host.invalid", "6379", "k", "0", "100"},
       }) {
    ExpectSame(argv);
  }
  // A listener that never answers: the read times out.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  ExpectSame({"MIGRATE", "127.0.0.1", port, "k", "0", "200"});
  ExpectSame({"EXISTS", "k"});
  ::close(fd);
  ExpectSame({"PING"});
}

}  // namespace
}  // namespace rill::testing
