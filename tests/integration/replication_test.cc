// Master–replica replication between Rill and redis-server 7.0, both ways, and between two
// Rills: full sync of every type, the stream of writes after it, partial resync after a broken
// link or a restart, PSYNC2 after a promotion, WAIT, ROLE, read-only replicas and expiry left
// to the master.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "datastructs/keyspace.h"
#include "persistence/rdb_stream_loader.h"
#include "tests/support/keyspace_snapshot.h"
#include "tests/support/persistence_support.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServerBinary().empty()) GTEST_SKIP() << "redis-server is not installed";
  }

  std::unique_ptr<ServerProcess> Start(const std::string& binary, const DataDir& dir,
                                       std::vector<std::string> args = {}) {
    std::string error;
    auto server = StartServerOn(binary, dir.path(), std::move(args), &error);
    EXPECT_NE(server, nullptr) << error;
    return server;
  }

  static std::vector<std::string> ReplicaOf(const ServerProcess& master) {
    return {"--replicaof", "127.0.0.1", std::to_string(master.port())};
  }

  // Waits until `replica` reports its link up and has applied everything `master` has
  // written so far (slave_repl_offset reached master_repl_offset).
  static bool WaitInSync(RespClient& master, RespClient& replica,
                         std::chrono::milliseconds timeout = seconds(10)) {
    return WaitUntil(
        [&] {
          if (InfoField(replica, "replication", "master_link_status") != "up") return false;
          const std::string offset = InfoField(master, "replication", "master_repl_offset");
          return InfoField(replica, "replication", "slave_repl_offset") == offset;
        },
        timeout);
  }

  // Waits until the master counts its (first) replica online: a replica may report its link
  // up a moment before its master has reaped the diskless child that fed it.
  static bool WaitOnline(RespClient& master) {
    return WaitUntil([&] {
      return InfoField(master, "replication", "slave0").find("state=online") != std::string::npos;
    });
  }

  // Writes of every family after the sync, in their propagated (deterministic) forms.
  static void WriteMore(RespClient& c) {
    const std::vector<std::vector<std::string>> writes = {
        {"SET", "after:str", "v", "EX", "1000"},
        {"INCRBYFLOAT", "after:float", "1.5"},
        {"RPUSH", "after:list", "a", "b", "c"},
        {"LPOP", "after:list"},
        {"HSET", "after:hash", "f1", "v1", "f2", "v2"},
        {"SADD", "after:set", "x", "y", "z"},
        {"ZADD", "after:zset", "1", "one", "2.5", "two"},
        {"ZINCRBY", "after:zset", "3", "one"},
        {"XADD", "after:stream", "*", "field", "value"},
        {"PFADD", "after:hll", "a", "b", "c"},
        {"SETBIT", "after:bits", "100", "1"},
        {"SELECT", "4"},
        {"SET", "after:db4", "in four"},
        {"MULTI"},
        {"INCR", "after:counter"},
        {"INCR", "after:counter"},
        {"EXEC"},
        {"SELECT", "0"},
        {"EVAL", "redis.call('set', KEYS[1], ARGV[1]) return 1", "1", "after:lua", "scripted"},
        {"DEL", "after:hash"},
    };
    for (const auto& w : writes) {
      const std::string reply = c.Command(w);
      ASSERT_FALSE(reply.empty()) << w[0];
      ASSERT_NE(reply[0], '-') << w[0] << ": " << reply;
    }
  }
};

// A redis-server started with --replicaof a Rill gets every type in its full sync (an RDB made
// by the BGSAVE machinery), then the stream; after its link is cut, and after a restart from
// its own RDB, it continues with a partial resync.
TEST_F(ReplicationTest, RedisReplicatesFromRillFullThenStreamThenPartial) {
  DataDir master_dir, replica_dir;
  auto rill = Start(RillServerBinary(), master_dir, {"--repl-diskless-sync-delay", "0"});
  ASSERT_TRUE(rill);
  auto mc = ConnectTo(*rill);
  ASSERT_TRUE(mc);
  FillEveryType(*mc);

  std::vector<std::string> args = ReplicaOf(*rill);
  args.insert(args.end(), {"--save", "3600 1"});
  auto redis = Start(RedisServerBinary(), replica_dir, args);
  ASSERT_TRUE(redis);
  auto rc = ConnectTo(*redis);
  ASSERT_TRUE(rc);
  ASSERT_TRUE(WaitInSync(*mc, *rc)) << redis->ReadLog() << rill->ReadLog();
  EXPECT_EQ(DescribeKeyspace(*rc), DescribeKeyspace(*mc));
  EXPECT_EQ(InfoField(*mc, "stats", "sync_full"), "1");

  WriteMore(*mc);
  ASSERT_TRUE(WaitInSync(*mc, *rc)) << redis->ReadLog();
  EXPECT_EQ(DescribeKeyspace(*rc), DescribeKeyspace(*mc));
  EXPECT_EQ(rc->Command({"GET", "after:lua"}), "$8\r\nscripted\r\n");
  EXPECT_EQ(rc->Command({"SET", "x", "y"}),
            "-READONLY You can't write against a read only replica.\r\n");

  // The master's INFO and ROLE list the replica (its listening port, its acknowledged offset).
  ASSERT_TRUE(WaitUntil([&] {
    return InfoField(*mc, "replication", "slave0") ==
           "ip=127.0.0.1,port=" + std::to_string(redis->port()) +
               ",state=online,offset=" + InfoField(*mc, "replication", "master_repl_offset") +
               ",lag=0";
  })) << InfoField(*mc, "replication", "slave0");
  EXPECT_EQ(InfoField(*mc, "replication", "connected_slaves"), "1");
  EXPECT_EQ(InfoField(*mc, "replication", "repl_backlog_active"), "1");
  EXPECT_EQ(InfoField(*mc, "replication", "repl_backlog_first_byte_offset"), "1");
  EXPECT_EQ(InfoField(*mc, "replication", "repl_backlog_histlen"),
            InfoField(*mc, "replication", "master_repl_offset"));
  EXPECT_EQ(InfoField(*mc, "replication", "master_replid"),
            InfoField(*rc, "replication", "master_replid"));
  const std::string offset = InfoField(*mc, "replication", "master_repl_offset");
  EXPECT_EQ(mc->Command({"ROLE"}), "*3\r\n$6\r\nmaster\r\n:" + offset +
                                       "\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$" +
                                       std::to_string(std::to_string(redis->port()).size()) +
                                       "\r\n" + std::to_string(redis->port()) + "\r\n$" +
                                       std::to_string(offset.size()) + "\r\n" + offset + "\r\n");

  // The link cut: the replica asks for what it lacks and gets +CONTINUE.
  EXPECT_EQ(rc->Command({"CLIENT", "KILL", "TYPE", "master"}), ":1\r\n");
  ASSERT_EQ(mc->Command({"SET", "while:away", "1"}), "+OK\r\n");
  ASSERT_TRUE(WaitInSync(*mc, *rc)) << redis->ReadLog();
  EXPECT_EQ(rc->Command({"GET", "while:away"}), "$1\r\n1\r\n");
  EXPECT_EQ(InfoField(*mc, "stats", "sync_partial_ok"), "1");
  EXPECT_EQ(InfoField(*mc, "stats", "sync_full"), "1");

  // A restart: Redis saves its RDB with the replication ID and offset, reloads it and continues
  // from there too.
  rc.reset();
  ASSERT_TRUE(WIFEXITED(redis->Stop(SIGTERM)));
  ASSERT_EQ(mc->Command({"SET", "while:down", "2"}), "+OK\r\n");
  redis = Start(RedisServerBinary(), replica_dir, args);
  ASSERT_TRUE(redis);
  rc = ConnectTo(*redis);
  ASSERT_TRUE(rc);
  ASSERT_TRUE(WaitInSync(*mc, *rc)) << redis->ReadLog();
  EXPECT_EQ(rc->Command({"GET", "while:down"}), "$1\r\n2\r\n");
  EXPECT_EQ(InfoField(*mc, "stats", "sync_partial_ok"), "2") << redis->ReadLog();
  EXPECT_EQ(InfoField(*mc, "stats", "sync_full"), "1");
  EXPECT_NE(redis->ReadLog().find("Successful partial resynchronization with master."),
            std::string::npos);
  EXPECT_EQ(DescribeKeyspace(*rc), DescribeKeyspace(*mc));
}

// Counts the lines of `log` that contain `what`.
size_t CountLines(const std::string& log, const std::string& what) {
  size_t n = 0;
  for (size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
  return n;
}

// A Rill master serves a Rill replica and a redis-server replica with its diskless transfer
// (a child writing `$EOF:<mark>` and the RDB to their sockets, no file on disk) and with the
// disk-based one (BGSAVE, then the file); the stream follows either way.
TEST_F(ReplicationTest, RillMasterFullSyncDisklessAndDisk) {
  for (const char* diskless : {"yes", "no"}) {
    SCOPED_TRACE(std::string("repl-diskless-sync ") + diskless);
    DataDir master_dir, rill_dir, redis_dir;
    auto master = Start(RillServerBinary(), master_dir,
                        {"--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0"});
    ASSERT_TRUE(master);
    auto mc = ConnectTo(*master);
    ASSERT_TRUE(mc);
    FillEveryType(*mc);
    auto rill = Start(RillServerBinary(), rill_dir, ReplicaOf(*master));
    auto redis = Start(RedisServerBinary(), redis_dir, ReplicaOf(*master));
    ASSERT_TRUE(rill && redis);
    auto rc = ConnectTo(*rill);
    auto dc = ConnectTo(*redis);
    ASSERT_TRUE(rc && dc);
    ASSERT_TRUE(WaitInSync(*mc, *rc)) << rill->ReadLog() << master->ReadLog();
    ASSERT_TRUE(WaitInSync(*mc, *dc)) << redis->ReadLog() << master->ReadLog();
    const std::string expected = DescribeKeyspace(*mc);
    EXPECT_EQ(DescribeKeyspace(*rc), expected);
    EXPECT_EQ(DescribeKeyspace(*dc), expected);
    WriteMore(*mc);
    EXPECT_EQ(mc->Command({"WAIT", "2", "5000"}), ":2\r\n");
    ASSERT_TRUE(WaitInSync(*mc, *rc));
    ASSERT_TRUE(WaitInSync(*mc, *dc));
    EXPECT_EQ(DescribeKeyspace(*rc), DescribeKeyspace(*mc));
    EXPECT_EQ(DescribeKeyspace(*dc), DescribeKeyspace(*mc));
    EXPECT_EQ(InfoField(*mc, "stats", "sync_full"), "2");
    const std::string log = master->ReadLog();
    if (std::string(diskless) == "yes") {
      EXPECT_FALSE(FileExists(master_dir.File("dump.rdb")));
      EXPECT_GE(CountLines(log, "Starting BGSAVE for SYNC with target: replicas sockets"), 1u);
      EXPECT_EQ(CountLines(log, "target: disk"), 0u) << log;
      EXPECT_NE(redis->ReadLog().find("receiving streamed RDB from master"), std::string::npos);
      EXPECT_NE(rill->ReadLog().find("receiving streamed RDB from master"), std::string::npos);
    } else {
      EXPECT_TRUE(FileExists(master_dir.File("dump.rdb")));
      EXPECT_EQ(CountLines(log, "target: replicas sockets"), 0u) << log;
    }
  }
}

// A full sync big enough that the replica reads its master's RDB over many turns after the
// master has finished writing it. On io_uring (the "uring/" pass) the replica's handshake socket
// sits in the epoll set the ring polls, and that poll fires on wake-ups only: the replica
// stalled with bytes left in the socket until the loop re-polled while a dispatch found work.
TEST_F(ReplicationTest, ReplicaReadsABigDisklessSyncToTheEnd) {
  DataDir master_dir, replica_dir;
  auto master = Start(RillServerBinary(), master_dir,
                      {"--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"});
  ASSERT_TRUE(master);
  auto mc = ConnectTo(*master);
  ASSERT_TRUE(mc);
  ASSERT_EQ(mc->Command({"DEBUG", "POPULATE", "200000", "key", "100"}), "+OK\r\n");
  auto replica = Start(RillServerBinary(), replica_dir, ReplicaOf(*master));
  ASSERT_TRUE(replica);
  auto rc = ConnectTo(*replica);
  ASSERT_TRUE(rc);
  ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog() << master->ReadLog();
  EXPECT_EQ(rc->Command({"DBSIZE"}), ":200000\r\n");
  EXPECT_EQ(rc->Command({"GET", "key:199999"}), mc->Command({"GET", "key:199999"}));
}

// A disk-based full sync (repl-diskless-sync no) of 200,000 keys to a Rill and a redis-server
// replica that share one BGSAVE: the master sends the file in chunks as each connection drains
// (state=send_bulk meanwhile), writes made during the sync follow it, and both replicas end up
// with everything.
TEST_F(ReplicationTest, DiskSyncOfABigDatasetStreamsTheFileToTwoReplicas) {
  DataDir master_dir, rill_dir, redis_dir;
  auto master = Start(RillServerBinary(), master_dir,
                      {"--repl-diskless-sync", "no", "--enable-debug-command", "yes"});
  ASSERT_TRUE(master);
  auto mc = ConnectTo(*master);
  ASSERT_TRUE(mc);
  ASSERT_EQ(mc->Command({"DEBUG", "POPULATE", "200000", "key", "100"}), "+OK\r\n");
  // Uncompressed, the file is some 25 MB.
  ASSERT_EQ(mc->Command({"CONFIG", "SET", "rdbcompression", "no"}), "+OK\r\n");
  // A slow child (a sleep after one key in four: some 3 seconds) so that the second replica
  // joins its BGSAVE.
  ASSERT_EQ(mc->Command({"CONFIG", "SET", "rdb-key-save-delay", "-4"}), "+OK\r\n");
  const bool measure = ResidentMemoryIsMeaningful() && ResetPeakResident(master->pid());
  const int64_t rss_before = ResidentBytes(master->pid());
  auto rill = Start(RillServerBinary(), rill_dir, ReplicaOf(*master));
  ASSERT_TRUE(rill);
  ASSERT_TRUE(WaitUntil([&] {
    return InfoField(*mc, "persistence", "rdb_bgsave_in_progress") == "1";
  })) << master->ReadLog();
  ASSERT_EQ(mc->Command({"SET", "during:sync", "1"}), "+OK\r\n");
  auto redis = Start(RedisServerBinary(), redis_dir, ReplicaOf(*master));
  ASSERT_TRUE(redis);
  ASSERT_TRUE(WaitUntil([&] { return InfoField(*mc, "replication", "connected_slaves") == "2"; }))
      << master->ReadLog();
  EXPECT_EQ(InfoField(*mc, "persistence", "rdb_bgsave_in_progress"), "1");
  ASSERT_EQ(mc->Command({"SET", "during:sync:2", "2"}), "+OK\r\n");
  auto rc = ConnectTo(*rill);
  auto dc = ConnectTo(*redis);
  ASSERT_TRUE(rc && dc);
  ASSERT_TRUE(WaitInSync(*mc, *rc, seconds(30))) << rill->ReadLog() << master->ReadLog();
  ASSERT_TRUE(WaitInSync(*mc, *dc, seconds(30))) << redis->ReadLog() << master->ReadLog();
  ASSERT_EQ(mc->Command({"SET", "after:sync", "3"}), "+OK\r\n");
  EXPECT_EQ(mc->Command({"WAIT", "2", "5000"}), ":2\r\n");
  for (RespClient* c : {rc.get(), dc.get()}) {
    EXPECT_EQ(c->Command({"DBSIZE"}), ":200003\r\n");
    EXPECT_EQ(c->Command({"GET", "key:0"}), mc->Command({"GET", "key:0"}));
    EXPECT_EQ(c->Command({"GET", "key:199999"}), mc->Command({"GET", "key:199999"}));
    EXPECT_EQ(c->Command({"GET", "during:sync:2"}), "$1\r\n2\r\n");
    EXPECT_EQ(c->Command({"GET", "after:sync"}), "$1\r\n3\r\n");
  }
  EXPECT_EQ(InfoField(*mc, "stats", "total_forks"), "1");
  EXPECT_EQ(InfoField(*mc, "stats", "sync_full"), "2");
  // The file (some 25 MB) never sat in the master's memory, neither read whole nor queued
  // whole on either connection: its peak grew by far less than the file's size.
  std::error_code ec;
  const auto rdb_size =
      static_cast<int64_t>(std::filesystem::file_size(master_dir.File("dump.rdb"), ec));
  EXPECT_GT(rdb_size, 20'000'000);
  if (measure) {
    const int64_t growth = PeakResidentBytes(master->pid()) - rss_before;
    EXPECT_LT(growth, rdb_size / 4) << "peak grew by " << growth << " bytes";
  }
  const std::string log = master->ReadLog();
  EXPECT_EQ(CountLines(log, "Starting BGSAVE for SYNC with target: disk"), 1u) << log;
  EXPECT_EQ(CountLines(log, "Waiting for end of BGSAVE for SYNC"), 1u) << log;
  EXPECT_EQ(CountLines(log, "Synchronization with replica 127.0.0.1:"), 2u) << log;
  // Redis's replica says how many bytes it was sent: the `$<size>` header of the file.
  EXPECT_NE(redis->ReadLog().find("MASTER <-> REPLICA sync: receiving "), std::string::npos);
  EXPECT_NE(InfoField(*mc, "replication", "slave0").find("state=online"), std::string::npos);
  EXPECT_NE(InfoField(*mc, "replication", "slave1").find("state=online"), std::string::npos);
}

// repl-diskless-sync-delay holds the first replica's transfer so that others can join it;
// repl-diskless-sync-max-replicas starts it as soon as that many wait: one child streams to
// both replicas.
TEST_F(ReplicationTest, DisklessDelayBatchesReplicasIntoOneFork) {
  DataDir master_dir, a_dir, b_dir;
  auto master =
      Start(RillServerBinary(), master_dir,
            {"--repl-diskless-sync-delay", "60", "--repl-diskless-sync-max-replicas", "2"});
  ASSERT_TRUE(master);
  auto mc = ConnectTo(*master);
  ASSERT_TRUE(mc);
  FillEveryType(*mc);
  auto a = Start(RillServerBinary(), a_dir, ReplicaOf(*master));
  ASSERT_TRUE(a);
  ASSERT_TRUE(WaitUntil([&] {
    return InfoField(*mc, "replication", "slave0").find("state=wait_bgsave") != std::string::npos;
  })) << master->ReadLog();
  // One replica waits: the delay holds it (no child yet).
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(InfoField(*mc, "stats", "total_forks"), "0");
  EXPECT_NE(master->ReadLog().find("Delay next BGSAVE for diskless SYNC"), std::string::npos);
  auto b = Start(RedisServerBinary(), b_dir, ReplicaOf(*master));
  ASSERT_TRUE(b);
  auto ac = ConnectTo(*a);
  auto bc = ConnectTo(*b);
  ASSERT_TRUE(ac && bc);
  ASSERT_TRUE(WaitInSync(*mc, *ac)) << a->ReadLog() << master->ReadLog();
  ASSERT_TRUE(WaitInSync(*mc, *bc)) << b->ReadLog() << master->ReadLog();
  EXPECT_EQ(InfoField(*mc, "stats", "total_forks"), "1");
  EXPECT_EQ(InfoField(*mc, "stats", "sync_full"), "2");
  EXPECT_EQ(CountLines(master->ReadLog(), "Starting BGSAVE for SYNC with target: replicas sockets"),
            1u);
  EXPECT_EQ(DescribeKeyspace(*ac), DescribeKeyspace(*mc));
  EXPECT_EQ(DescribeKeyspace(*bc), DescribeKeyspace(*mc));
}

// Rill replicates from redis-server, with its diskless ($EOF:) and its disk-based transfer.
TEST_F(ReplicationTest, RillReplicatesFromRedisDisklessAndDisk) {
  for (const char* diskless : {"yes", "no"}) {
    SCOPED_TRACE(std::string("repl-diskless-sync ") + diskless);
    DataDir master_dir, replica_dir;
    auto redis = Start(RedisServerBinary(), master_dir,
                       {"--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0"});
    ASSERT_TRUE(redis);
    auto mc = ConnectTo(*redis);
    ASSERT_TRUE(mc);
    FillEveryType(*mc);
    auto rill = Start(RillServerBinary(), replica_dir, ReplicaOf(*redis));
    ASSERT_TRUE(rill);
    auto rc = ConnectTo(*rill);
    ASSERT_TRUE(rc);
    ASSERT_TRUE(WaitInSync(*mc, *rc)) << rill->ReadLog() << redis->ReadLog();
    EXPECT_EQ(DescribeKeyspace(*rc), DescribeKeyspace(*mc));
    WriteMore(*mc);
    ASSERT_TRUE(WaitInSync(*mc, *rc)) << rill->ReadLog();
    EXPECT_EQ(DescribeKeyspace(*rc), DescribeKeyspace(*mc));
    EXPECT_EQ(rc->Command({"SET", "x", "y"}),
              "-READONLY You can't write against a read only replica.\r\n");
    EXPECT_EQ(InfoField(*rc, "replication", "role"), "slave");
    EXPECT_EQ(InfoField(*rc, "replication", "master_port"), std::to_string(redis->port()));
    EXPECT_EQ(InfoField(*rc, "replication", "master_replid"),
              InfoField(*mc, "replication", "master_replid"));
    EXPECT_EQ(mc->Command({"WAIT", "1", "5000"}), ":1\r\n");
    EXPECT_EQ(rc->Command({"WAIT", "1", "0"}).substr(0, 47),
              "-ERR WAIT cannot be used with replica instances");

    // The link cut from the replica's side: Redis accepts the partial resync Rill asks for.
    EXPECT_EQ(rc->Command({"CLIENT", "KILL", "TYPE", "master"}), ":1\r\n");
    ASSERT_EQ(mc->Command({"SET", "while:away", "1"}), "+OK\r\n");
    ASSERT_TRUE(WaitInSync(*mc, *rc)) << rill->ReadLog();
    EXPECT_EQ(rc->Command({"GET", "while:away"}), "$1\r\n1\r\n");
    EXPECT_EQ(InfoField(*mc, "stats", "sync_partial_ok"), "1");
    EXPECT_EQ(InfoField(*mc, "stats", "sync_full"), "1");
  }
}

// CONFIG GET's reply for one parameter.
std::string ConfigGetReply(const std::string& name, const std::string& value) {
  return "*2\r\n$" + std::to_string(name.size()) + "\r\n" + name + "\r\n$" +
         std::to_string(value.size()) + "\r\n" + value + "\r\n";
}

void AppendField(std::string* out, const std::string& name, const std::string& value) {
  *out += name + ":" + value + "\n";
}

// "%.2f" of part/whole*100, as INFO prints its percentages.
std::string Percent(size_t part, size_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f",
                static_cast<double>(part) / static_cast<double>(whole) * 100);
  return buf;
}

// repl-diskless-load on a Rill replica and a redis-server replica of the same master (a Rill,
// then a redis-server), with its diskless (`$EOF:`) and its disk-based (`$<size>`) transfer:
// `disabled` receives into a temporary file that becomes dump.rdb, `on-empty-db` loads from the
// socket (no file) only when the replica holds no keys, `swapdb` always loads from the socket. Both
// replicas end with the master's data and the same files, and say the same in their logs.
TEST_F(ReplicationTest, DisklessLoadModesAsRedis) {
  struct Case {
    const char* mode;
    bool replica_has_keys;
    bool expect_file;
  };
  const Case cases[] = {{"disabled", false, true},
                        {"on-empty-db", false, false},
                        {"on-empty-db", true, true},
                        {"swapdb", true, false}};
  for (const auto& [master_binary, diskless_sync] :
       std::vector<std::pair<std::string, const char*>>{{RillServerBinary(), "yes"},
                                                        {RillServerBinary(), "no"},
                                                        {RedisServerBinary(), "yes"},
                                                        {RedisServerBinary(), "no"}}) {
    SCOPED_TRACE(master_binary);
    DataDir master_dir;
    auto master = Start(master_binary, master_dir,
                        {"--repl-diskless-sync", diskless_sync, "--repl-diskless-sync-delay", "0"});
    ASSERT_TRUE(master);
    auto mc = ConnectTo(*master);
    ASSERT_TRUE(mc);
    FillEveryType(*mc);
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string("repl-diskless-sync ") + diskless_sync + ", repl-diskless-load " +
                   c.mode + (c.replica_has_keys ? " (replica with keys)" : ""));
      std::vector<std::string> seen;  // per replica: the file and the log's words
      for (const std::string& binary : {RillServerBinary(), RedisServerBinary()}) {
        DataDir dir;
        auto replica = Start(binary, dir, {"--repl-diskless-load", c.mode});
        ASSERT_TRUE(replica);
        auto rc = ConnectTo(*replica);
        ASSERT_TRUE(rc);
        if (c.replica_has_keys) {
          ASSERT_EQ(rc->Command({"SET", "mine", "1"}), "+OK\r\n");
        }
        ASSERT_EQ(rc->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}),
                  "+OK\r\n");
        ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog() << master->ReadLog();
        EXPECT_EQ(DescribeKeyspace(*rc), DescribeKeyspace(*mc)) << binary;
        EXPECT_EQ(rc->Command({"CONFIG", "GET", "repl-diskless-load"}),
                  ConfigGetReply("repl-diskless-load", c.mode));
        const std::string log = replica->ReadLog();
        const bool to_disk = log.find("from master to disk") != std::string::npos ||
                             log.find("with EOF to disk") != std::string::npos;
        const bool to_parser = log.find("to parser") != std::string::npos;
        EXPECT_EQ(to_disk, c.expect_file) << binary << "\n" << log;
        EXPECT_NE(to_disk, to_parser) << binary << "\n" << log;
        EXPECT_EQ(FileExists(dir.File("dump.rdb")), c.expect_file) << binary;
        EXPECT_NE(InfoField(*rc, "persistence", "rdb_last_load_keys_loaded"), "0") << binary;
        seen.push_back("keys loaded " + InfoField(*rc, "persistence", "rdb_last_load_keys_loaded") +
                       ", " + std::string(FileExists(dir.File("dump.rdb")) ? "file" : "no file") +
                       (to_disk ? ", to disk" : ", to parser") +
                       (log.find("Swapping active DB with loaded DB") != std::string::npos
                            ? ", swapped"
                            : ""));
      }
      ASSERT_EQ(seen.size(), 2u);
      EXPECT_EQ(seen[0], seen[1]) << "rill: " << seen[0] << ", redis: " << seen[1];
    }
  }
}

// A replica with appendonly yes rewrites its AOF after a full sync, so that a restart brings
// back the master's data (and the stream after the sync), not the data the sync replaced.
// Rill and redis-server replicas of a Rill master, each restarted from its own AOF.
TEST_F(ReplicationTest, ReplicaAofHoldsTheSyncedDataAsRedis) {
  DataDir master_dir;
  auto master = Start(RillServerBinary(), master_dir, {"--repl-diskless-sync-delay", "0"});
  ASSERT_TRUE(master);
  auto mc = ConnectTo(*master);
  ASSERT_TRUE(mc);
  FillEveryType(*mc);
  for (const std::string& binary : {RillServerBinary(), RedisServerBinary()}) {
    SCOPED_TRACE(binary);
    DataDir dir;
    std::string expected;
    {
      auto replica = Start(binary, dir, {"--appendonly", "yes"});
      ASSERT_TRUE(replica);
      auto rc = ConnectTo(*replica);
      ASSERT_TRUE(rc);
      ASSERT_EQ(rc->Command({"SET", "replaced:by:the:sync", "1"}), "+OK\r\n");
      ASSERT_EQ(rc->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}), "+OK\r\n");
      ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog() << master->ReadLog();
      WriteMore(*mc);
      ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog();
      ASSERT_TRUE(WaitUntil([&] {
        return InfoField(*rc, "persistence", "aof_rewrite_in_progress") == "0" &&
               InfoField(*rc, "persistence", "aof_rewrite_scheduled") == "0";
      }));
      expected = DescribeKeyspace(*mc);
      EXPECT_EQ(DescribeKeyspace(*rc), expected);
      rc->Command({"SHUTDOWN"});
      replica->WaitForExit(seconds(10));
    }
    auto restarted = Start(binary, dir, {"--appendonly", "yes"});
    ASSERT_TRUE(restarted);
    auto rc = ConnectTo(*restarted);
    ASSERT_TRUE(rc);
    EXPECT_EQ(DescribeKeyspace(*rc), expected) << restarted->ReadLog();
    EXPECT_EQ(rc->Command({"EXISTS", "replaced:by:the:sync"}), ":0\r\n");
  }
}

// The replica's old data after a full sync replaces it: freed in the background (counted in
// lazyfreed_objects) under replica-lazy-flush, and always after a swapdb load; in place
// otherwise. Each case compares a Rill replica with a redis-server one of a Rill master.
TEST_F(ReplicationTest, ReplicaLazyFlushAsRedis) {
  DataDir master_dir;
  auto master = Start(RillServerBinary(), master_dir, {"--repl-diskless-sync-delay", "0"});
  ASSERT_TRUE(master);
  auto mc = ConnectTo(*master);
  ASSERT_TRUE(mc);
  for (int i = 0; i < 5; ++i) mc->Command({"SET", "m" + std::to_string(i), "v"});
  for (const char* lazy : {"no", "yes"}) {
    for (const char* load : {"disabled", "swapdb"}) {
      SCOPED_TRACE(std::string("replica-lazy-flush ") + lazy + ", repl-diskless-load " + load);
      std::string freed[2];
      int side = 0;
      for (const std::string& binary : {RillServerBinary(), RedisServerBinary()}) {
        DataDir dir;
        auto replica =
            Start(binary, dir, {"--replica-lazy-flush", lazy, "--repl-diskless-load", load});
        ASSERT_TRUE(replica);
        auto rc = ConnectTo(*replica);
        ASSERT_TRUE(rc);
        // 31 keys of the replica's own: 30 strings and a 100-member set.
        for (int i = 0; i < 30; ++i) rc->Command({"SET", "r" + std::to_string(i), "v"});
        std::vector<std::string> sadd = {"SADD", "big"};
        for (int i = 0; i < 100; ++i) sadd.push_back("m" + std::to_string(i));
        ASSERT_EQ(rc->Command(sadd), ":100\r\n");
        ASSERT_EQ(rc->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}),
                  "+OK\r\n");
        ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog() << master->ReadLog();
        EXPECT_EQ(rc->Command({"DBSIZE"}), ":5\r\n");
        freed[side++] = LazyFreedObjects(*rc);
      }
      EXPECT_EQ(freed[0], freed[1]) << "lazyfreed_objects, rill then redis";
      EXPECT_EQ(freed[1], std::string(lazy) == "yes" || std::string(load) == "swapdb" ? "31" : "0");
    }
  }
}

// rdb-del-sync-files on a master and its replica, both Rill or both redis-server, with a disk-based
// full sync: without persistence the master removes the file once its replica has it and the
// replica removes what it received once loaded; with save points both files stay.
TEST_F(ReplicationTest, RdbDelSyncFilesAsRedis) {
  std::vector<std::string> seen;
  for (const std::string& binary : {RillServerBinary(), RedisServerBinary()}) {
    for (const bool persistent : {false, true}) {
      SCOPED_TRACE(binary + (persistent ? " with save points" : " without persistence"));
      std::vector<std::string> args = {"--repl-diskless-sync", "no", "--rdb-del-sync-files", "yes"};
      if (persistent) args.insert(args.end(), {"--save", "3600 1"});
      DataDir master_dir, replica_dir;
      auto master = Start(binary, master_dir, args);
      ASSERT_TRUE(master);
      auto mc = ConnectTo(*master);
      ASSERT_TRUE(mc);
      FillEveryType(*mc);
      args.insert(args.end(), {"--replicaof", "127.0.0.1", std::to_string(master->port())});
      auto replica = Start(binary, replica_dir, args);
      ASSERT_TRUE(replica);
      auto rc = ConnectTo(*replica);
      ASSERT_TRUE(rc);
      ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog() << master->ReadLog();
      ASSERT_TRUE(WaitOnline(*mc));
      EXPECT_EQ(DescribeKeyspace(*rc), DescribeKeyspace(*mc));
      const std::string master_file = master_dir.File("dump.rdb");
      if (!persistent) {
        EXPECT_TRUE(WaitUntil([&] { return !FileExists(master_file); })) << master->ReadLog();
      } else {
        std::this_thread::sleep_for(milliseconds(1500));  // past the master's next cron
      }
      seen.push_back(std::string(persistent ? "save" : "none") + ": master " +
                     (FileExists(master_file) ? "kept" : "removed") + ", replica " +
                     (FileExists(replica_dir.File("dump.rdb")) ? "kept" : "removed"));
      EXPECT_EQ(CountLines(master->ReadLog(), "Removing the RDB file used to feed replicas"),
                persistent ? 0u : 1u);
      EXPECT_EQ(CountLines(replica->ReadLog(), "Removing the RDB file obtained from the master"),
                persistent ? 0u : 1u);
    }
  }
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], "none: master removed, replica removed");
  EXPECT_EQ(seen[1], "save: master kept, replica kept");
  EXPECT_EQ(seen[0], seen[2]);
  EXPECT_EQ(seen[1], seen[3]);
}

// replica-ignore-maxmemory: a replica far over its maxmemory keeps its master's whole dataset
// (yes, the default) or evicts on its own (no), on a Rill pair as on a redis-server pair.
TEST_F(ReplicationTest, ReplicaIgnoreMaxmemoryAsRedis) {
  for (const std::string& binary : {RillServerBinary(), RedisServerBinary()}) {
    for (const char* ignore : {"yes", "no"}) {
      SCOPED_TRACE(binary + ", replica-ignore-maxmemory " + ignore);
      DataDir master_dir, replica_dir;
      auto master = Start(binary, master_dir,
                          {"--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"});
      ASSERT_TRUE(master);
      auto mc = ConnectTo(*master);
      ASSERT_TRUE(mc);
      ASSERT_EQ(mc->Command({"DEBUG", "POPULATE", "50000", "key", "100"}), "+OK\r\n");
      std::vector<std::string> args = ReplicaOf(*master);
      args.insert(args.end(), {"--maxmemory", "2mb", "--maxmemory-policy", "allkeys-random",
                               "--replica-ignore-maxmemory", ignore});
      auto replica = Start(binary, replica_dir, args);
      ASSERT_TRUE(replica);
      auto rc = ConnectTo(*replica);
      ASSERT_TRUE(rc);
      ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog();
      ASSERT_EQ(mc->Command({"SET", "after", "1"}), "+OK\r\n");
      ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog();
      if (std::string(ignore) == "yes") {
        EXPECT_EQ(rc->Command({"DBSIZE"}), ":50001\r\n");
        EXPECT_EQ(InfoField(*rc, "stats", "evicted_keys"), "0");
      } else {
        EXPECT_LT(IntegerReply(*rc, {"DBSIZE"}), 50001);
        EXPECT_NE(InfoField(*rc, "stats", "evicted_keys"), "0");
      }
    }
  }
}

// A stand-in master for a transfer that breaks: it answers a replica's handshake, accepts its
// PSYNC with `+FULLRESYNC <replid> 0`, announces `$<size of rdb>` (or, with `eof`, the diskless
// `$EOF:<mark>`), sends the first `sent` bytes and holds the connection until Release(), then
// closes it. It serves one replica, once.
class BrokenTransferMaster {
 public:
  BrokenTransferMaster(std::string replid, std::string rdb, size_t sent, bool eof)
      : replid_(std::move(replid)), rdb_(std::move(rdb)), sent_(sent), eof_(eof) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 4) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen: " << std::strerror(errno);
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~BrokenTransferMaster() {
    Release();
    thread_.join();
  }
  int port() const { return port_; }
  bool payload_sent() const { return payload_sent_; }
  void Release() { released_ = true; }

 private:
  // One RESP multibulk command off the front of *in into *args; false when none is complete.
  static bool TakeCommand(std::string* in, std::vector<std::string>* args) {
    args->clear();
    size_t pos = 0;
    auto line = [&](std::string* out) {
      const size_t end = in->find("\r\n", pos);
      if (end == std::string::npos) return false;
      *out = in->substr(pos, end - pos);
      pos = end + 2;
      return true;
    };
    std::string header;
    if (!line(&header) || header.empty() || header[0] != '*') return false;
    const int n = std::stoi(header.substr(1));
    for (int i = 0; i < n; ++i) {
      std::string bulk;
      if (!line(&bulk)) return false;
      const size_t size = std::stoul(bulk.substr(1));
      if (in->size() < pos + size + 2) return false;
      args->push_back(in->substr(pos, size));
      pos += size + 2;
    }
    in->erase(0, pos);
    return true;
  }

  static bool Readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 50) > 0;
  }

  void Serve() {
    int fd = -1;
    while (!released_ && fd < 0) {
      if (Readable(listen_fd_)) fd = ::accept(listen_fd_, nullptr, nullptr);
    }
    ::close(listen_fd_);  // one replica, once: its retries are refused
    if (fd < 0) return;
    std::string in;
    std::vector<std::string> args;
    while (!released_ && !payload_sent_) {
      if (!Readable(fd)) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      while (TakeCommand(&in, &args)) {
        std::string reply = "+OK\r\n";
        if (strcasecmp(args[0].c_str(), "PING") == 0) reply = "+PONG\r\n";
        if (strcasecmp(args[0].c_str(), "PSYNC") == 0) {
          reply = "+FULLRESYNC " + replid_ + " 0\r\n$" +
                  (eof_ ? "EOF:" + std::string(40, 'e') : std::to_string(rdb_.size())) + "\r\n" +
                  rdb_.substr(0, sent_);
        }
        for (size_t off = 0; off < reply.size();) {
          const ssize_t w = ::send(fd, reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
          if (w <= 0) break;
          off += static_cast<size_t>(w);
        }
        if (strcasecmp(args[0].c_str(), "PSYNC") == 0) payload_sent_ = true;
      }
    }
    while (!released_) std::this_thread::sleep_for(milliseconds(20));
    ::close(fd);
  }

  std::string replid_;
  std::string rdb_;
  size_t sent_;
  bool eof_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> released_{false};
  std::atomic<bool> payload_sent_{false};
  std::thread thread_;
};

// An RDB of some size, from a Rill (5000 keys of 100 bytes).
std::string SomeRdb() {
  DataDir dir;
  std::string error;
  auto server =
      StartServerOn(RillServerBinary(), dir.path(), {"--enable-debug-command", "yes"}, &error);
  if (server == nullptr) return "";
  auto c = ConnectTo(*server);
  if (c == nullptr || c->Command({"DEBUG", "POPULATE", "5000", "new", "100"}) != "+OK\r\n" ||
      c->Command({"SAVE"}) != "+OK\r\n") {
    return "";
  }
  return ReadFileBytes(dir.File("dump.rdb"));
}

// What a replica loading from the socket has parsed of the first `received` bytes of `rdb`:
// its whole records (of an `$EOF:` transfer the last 39 bytes wait, as they may start the
// mark), and the used-mem aux field it saw.
std::pair<uint64_t, int64_t> ParsedOf(std::string_view rdb, size_t received, bool eof) {
  std::vector<std::unique_ptr<ds::Database>> dbs;
  std::vector<ds::Database*> ptrs;
  for (int i = 0; i < 16; ++i) {
    dbs.push_back(std::make_unique<ds::Database>());
    ptrs.push_back(dbs.back().get());
  }
  persistence::RdbLoadOptions options;
  persistence::RdbLoadInfo info;
  persistence::RdbStreamLoader loader(ptrs, options, &info);
  EXPECT_TRUE(loader.Feed(rdb.substr(0, received - (eof ? 39 : 0))));
  return {loader.bytes_parsed(), info.used_mem};
}

// A full sync that breaks halfway (the master goes away after half its `$<size>` RDB), under
// each repl-diskless-load mode, on a Rill and a redis-server replica. While the half is in:
// `disabled` keeps serving the old data and counts the bytes written to its temporary file
// (INFO replication's master_sync_*: the same numbers from both servers); loading from the
// socket (`on-empty-db` when empty, `swapdb`) is loading (INFO persistence loading:1, -LOADING
// for reads; loading_loaded_bytes counts the whole records parsed, loading_rdb_used_mem is the
// RDB's used-mem field), or async loading under `swapdb` when the master continues the
// replica's own history (the old data is served). Redis blocks in its socket read while it loads,
// so those are Rill's alone. After the break both servers hold the same data: the old data, except
// for `on-empty-db`, which had none; no temporary file and no dump.rdb are left.
TEST_F(ReplicationTest, BrokenFullSyncLeavesTheDataAsRedis) {
  const std::string rdb = SomeRdb();
  ASSERT_GT(rdb.size(), 20000u);
  const size_t half = rdb.size() / 2;
  struct Case {
    const char* mode;
    bool async;  // the master continues the replica's own replication ID
    bool eof;    // the `$EOF:` form (size unknown: master_sync_total_bytes 0)
  };
  for (const Case& c : {Case{"disabled", false, false}, Case{"disabled", false, true},
                        Case{"on-empty-db", false, false}, Case{"swapdb", false, false},
                        Case{"swapdb", false, true}, Case{"swapdb", true, false}}) {
    SCOPED_TRACE(std::string("repl-diskless-load ") + c.mode + (c.async ? " (same history)" : "") +
                 (c.eof ? " ($EOF: form)" : ""));
    std::vector<std::string> after;  // per replica: its data after the break
    std::vector<std::string> progress;
    for (const std::string& binary : {RillServerBinary(), RedisServerBinary()}) {
      const bool rill = binary == RillServerBinary();
      if (!rill && c.async) continue;  // nothing Redis shows differently while it blocks
      SCOPED_TRACE(rill ? "rill" : "redis");
      DataDir dir;
      auto replica = Start(binary, dir, {"--repl-diskless-load", c.mode});
      ASSERT_TRUE(replica);
      auto rc = ConnectTo(*replica);
      ASSERT_TRUE(rc);
      const bool has_keys = std::string(c.mode) != "on-empty-db";
      if (has_keys) {
        ASSERT_EQ(rc->Command({"SET", "old:1", "one"}), "+OK\r\n");
        ASSERT_EQ(rc->Command({"RPUSH", "old:2", "a", "b"}), ":2\r\n");
      }
      const std::string before = DescribeKeyspace(*rc);
      const std::string replid =
          c.async ? InfoField(*rc, "replication", "master_replid") : std::string(40, 'f');
      BrokenTransferMaster fake(replid, rdb, half, c.eof);
      ASSERT_EQ(rc->Command({"REPLICAOF", "127.0.0.1", std::to_string(fake.port())}), "+OK\r\n");
      ASSERT_TRUE(WaitUntil([&] { return fake.payload_sent(); })) << replica->ReadLog();
      const std::string size = c.eof ? "0" : std::to_string(rdb.size());
      if (std::string(c.mode) == "disabled") {
        ASSERT_TRUE(WaitUntil([&] {
          return InfoField(*rc, "replication", "master_sync_read_bytes") == std::to_string(half);
        })) << replica->ReadLog();
        std::string fields;
        for (const char* f :
             {"master_link_status", "master_sync_in_progress", "master_sync_total_bytes",
              "master_sync_read_bytes", "master_sync_left_bytes", "master_sync_perc"}) {
          AppendField(&fields, f, InfoField(*rc, "replication", f));
        }
        AppendField(&fields, "loading", InfoField(*rc, "persistence", "loading"));
        progress.push_back(fields);
        EXPECT_EQ(rc->Command({"GET", "old:1"}), "$3\r\none\r\n");
      } else if (rill) {
        const char* flag = c.async ? "async_loading" : "loading";
        const auto [parsed, used_mem] = ParsedOf(rdb, half, c.eof);
        EXPECT_GT(parsed + 300, half);  // all but a cut record of ~120 bytes (and the hold-back)
        EXPECT_GT(used_mem, 0);
        ASSERT_TRUE(WaitUntil([&] {
          return InfoField(*rc, "persistence", "loading_loaded_bytes") == std::to_string(parsed);
        })) << "loading_loaded_bytes "
            << InfoField(*rc, "persistence", "loading_loaded_bytes") << ", expected " << parsed
            << " of " << rdb.size() << "\n"
            << replica->ReadLog();
        EXPECT_EQ(InfoField(*rc, "persistence", flag), "1");
        EXPECT_EQ(InfoField(*rc, "persistence", c.async ? "loading" : "async_loading"), "0");
        EXPECT_EQ(InfoField(*rc, "persistence", "loading_total_bytes"), size);
        EXPECT_EQ(InfoField(*rc, "persistence", "loading_loaded_perc"),
                  c.eof ? "0.00" : Percent(parsed, rdb.size()));
        EXPECT_EQ(InfoField(*rc, "persistence", "loading_rdb_used_mem"), std::to_string(used_mem));
        EXPECT_EQ(InfoField(*rc, "replication", "master_sync_in_progress"), "1");
        EXPECT_EQ(InfoField(*rc, "replication", "master_sync_total_bytes"), size);
        EXPECT_EQ(InfoField(*rc, "replication", "master_sync_read_bytes"), "0");
        if (c.async) {
          EXPECT_EQ(rc->Command({"GET", "old:1"}), "$3\r\none\r\n");
        } else {
          EXPECT_EQ(rc->Command({"GET", "old:1"}),
                    "-LOADING Redis is loading the dataset in memory\r\n");
          EXPECT_EQ(rc->Command({"PING"}), "-LOADING Redis is loading the dataset in memory\r\n");
        }
        EXPECT_EQ(rc->Command({"INFO", "server"}).substr(0, 1), "$");
      }
      fake.Release();
      ASSERT_TRUE(WaitUntil([&] {
        return InfoField(*rc, "persistence", "loading") == "0" &&
               InfoField(*rc, "persistence", "async_loading") == "0" &&
               InfoField(*rc, "replication", "master_sync_in_progress") == "0";
      })) << replica->ReadLog();
      const std::string now = DescribeKeyspace(*rc);
      EXPECT_EQ(now, before) << replica->ReadLog();
      after.push_back(now);
      EXPECT_FALSE(FileExists(dir.File("dump.rdb")));
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(dir.path(), ec)) {
        EXPECT_FALSE(entry.path().filename().string().starts_with("temp-"))
            << entry.path() << " left";
      }
    }
    if (!c.async) {
      ASSERT_EQ(after.size(), 2u);
      EXPECT_EQ(after[0], after[1]);
    }
    if (std::string(c.mode) == "disabled") {
      ASSERT_EQ(progress.size(), 2u);
      EXPECT_EQ(progress[0], progress[1]) << "rill: " << progress[0] << "\nredis: " << progress[1];
    }
  }
}

// A corrupt RDB fails a load from the socket where the parser meets it, while the master still
// holds the rest of the transfer: the error is logged with its offset and, under swapdb, the old
// data stays. Rill's alone: Redis 7.0 exits on a corrupt diskless load.
TEST_F(ReplicationTest, CorruptRdbFailsTheSocketLoadWhereItIs) {
  std::string rdb = SomeRdb();
  ASSERT_GT(rdb.size(), 20000u);
  const size_t key = rdb.find("new:", rdb.size() / 4);
  ASSERT_NE(key, std::string::npos);
  rdb[key - 2] = 42;  // the record's type byte (then the key's one-byte length)
  const std::string error = "unknown RDB value type 42 at offset " + std::to_string(key - 2);
  for (bool eof : {false, true}) {
    SCOPED_TRACE(eof ? "$EOF: form" : "$<length> form");
    DataDir dir;
    auto replica = Start(RillServerBinary(), dir, {"--repl-diskless-load", "swapdb"});
    ASSERT_TRUE(replica);
    auto rc = ConnectTo(*replica);
    ASSERT_TRUE(rc);
    ASSERT_EQ(rc->Command({"SET", "old:1", "one"}), "+OK\r\n");
    const std::string before = DescribeKeyspace(*rc);
    BrokenTransferMaster fake(std::string(40, 'f'), rdb, rdb.size() / 2, eof);
    ASSERT_EQ(rc->Command({"REPLICAOF", "127.0.0.1", std::to_string(fake.port())}), "+OK\r\n");
    ASSERT_TRUE(WaitUntil([&] {
      return replica->ReadLog().find(
                 "Failed trying to load the MASTER synchronization DB from socket") !=
             std::string::npos;
    })) << replica->ReadLog();
    EXPECT_NE(replica->ReadLog().find(error), std::string::npos) << replica->ReadLog();
    EXPECT_EQ(InfoField(*rc, "persistence", "loading"), "0");
    EXPECT_EQ(InfoField(*rc, "persistence", "async_loading"), "0");
    EXPECT_EQ(InfoField(*rc, "replication", "master_sync_in_progress"), "0");
    EXPECT_EQ(DescribeKeyspace(*rc), before);
    fake.Release();
  }
}

// A replica never expires keys itself: an expired key reads as absent but stays until the
// master's DEL for it arrives.
TEST_F(ReplicationTest, ReplicaLeavesExpiryToItsMaster) {
  DataDir master_dir, replica_dir;
  auto redis = Start(RedisServerBinary(), master_dir,
                     {"--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"});
  ASSERT_TRUE(redis);
  auto mc = ConnectTo(*redis);
  ASSERT_TRUE(mc);
  // The master's active cycle is off: only a lookup there deletes the key (and sends DEL).
  ASSERT_EQ(mc->Command({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), "+OK\r\n");
  auto rill = Start(RillServerBinary(), replica_dir, ReplicaOf(*redis));
  ASSERT_TRUE(rill);
  auto rc = ConnectTo(*rill);
  ASSERT_TRUE(rc);
  ASSERT_TRUE(WaitInSync(*mc, *rc)) << rill->ReadLog();
  ASSERT_EQ(mc->Command({"SET", "short", "v", "PX", "100"}), "+OK\r\n");
  ASSERT_TRUE(WaitInSync(*mc, *rc));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(rc->Command({"GET", "short"}), "$-1\r\n");
  EXPECT_EQ(rc->Command({"DBSIZE"}), ":1\r\n");         // still there, logically expired
  EXPECT_EQ(mc->Command({"GET", "short"}), "$-1\r\n");  // the master deletes it: DEL follows
  ASSERT_TRUE(WaitInSync(*mc, *rc));
  EXPECT_EQ(rc->Command({"DBSIZE"}), ":0\r\n");
}

// Rill from Rill; the promoted replica (REPLICAOF NO ONE) keeps the data and serves its former
// peer's PSYNC from its previous history (PSYNC2, replid2).
TEST_F(ReplicationTest, RillFromRillThenPromotionKeepsPartialResync) {
  DataDir a_dir, b_dir, c_dir;
  auto a = Start(RillServerBinary(), a_dir, {"--repl-diskless-sync-delay", "0"});
  ASSERT_TRUE(a);
  auto ac = ConnectTo(*a);
  ASSERT_TRUE(ac);
  FillEveryType(*ac);
  auto b = Start(RillServerBinary(), b_dir, ReplicaOf(*a));
  auto c = Start(RillServerBinary(), c_dir, ReplicaOf(*a));
  ASSERT_TRUE(b && c);
  auto bc = ConnectTo(*b);
  auto cc = ConnectTo(*c);
  ASSERT_TRUE(bc && cc);
  ASSERT_TRUE(WaitInSync(*ac, *bc)) << b->ReadLog() << a->ReadLog();
  ASSERT_TRUE(WaitInSync(*ac, *cc)) << c->ReadLog();
  WriteMore(*ac);
  EXPECT_EQ(ac->Command({"WAIT", "2", "5000"}), ":2\r\n");
  ASSERT_TRUE(WaitInSync(*ac, *cc));
  const std::string expected = DescribeKeyspace(*ac);
  EXPECT_EQ(DescribeKeyspace(*bc), expected);
  EXPECT_EQ(DescribeKeyspace(*cc), expected);
  EXPECT_EQ(ac->Command({"WAIT", "3", "100"}), ":2\r\n");  // the timeout answers with the count

  const std::string old_id = InfoField(*bc, "replication", "master_replid");
  const std::string old_offset = InfoField(*bc, "replication", "master_repl_offset");
  a->Stop(SIGKILL);
  EXPECT_EQ(bc->Command({"REPLICAOF", "NO", "ONE"}), "+OK\r\n");
  EXPECT_EQ(InfoField(*bc, "replication", "role"), "master");
  EXPECT_EQ(InfoField(*bc, "replication", "master_replid2"), old_id);
  EXPECT_EQ(InfoField(*bc, "replication", "second_repl_offset"),
            std::to_string(std::stoll(old_offset) + 1));
  EXPECT_EQ(bc->Command({"SET", "promoted", "yes"}), "+OK\r\n");
  EXPECT_EQ(cc->Command({"REPLICAOF", "127.0.0.1", std::to_string(b->port())}), "+OK\r\n");
  ASSERT_TRUE(WaitInSync(*bc, *cc)) << c->ReadLog() << b->ReadLog();
  EXPECT_EQ(InfoField(*bc, "stats", "sync_partial_ok"), "1") << b->ReadLog();
  EXPECT_EQ(InfoField(*bc, "stats", "sync_full"), "0");
  EXPECT_EQ(cc->Command({"GET", "promoted"}), "$3\r\nyes\r\n");
  EXPECT_EQ(DescribeKeyspace(*cc), DescribeKeyspace(*bc));
  EXPECT_EQ(cc->Command({"REPLICAOF", "127.0.0.1", std::to_string(b->port())}),
            "+OK Already connected to specified master\r\n");
  EXPECT_EQ(cc->Command({"ROLE"}).substr(0, 4), "*5\r\n");
}

// Redis Sentinel (Debian's redis-sentinel, or redis-server --sentinel) monitors a Rill
// master with two Rill replicas unchanged: after kill -9 of the master it promotes a replica,
// points the other one at it, and writes acknowledged with WAIT before the crash are all there.
TEST_F(ReplicationTest, SentinelFailsOverARillGroup) {
  DataDir a_dir, b_dir, c_dir, s_dir;
  auto a = Start(RillServerBinary(), a_dir, {"--repl-diskless-sync-delay", "0"});
  ASSERT_TRUE(a);
  auto b = Start(RillServerBinary(), b_dir, ReplicaOf(*a));
  auto c = Start(RillServerBinary(), c_dir, ReplicaOf(*a));
  ASSERT_TRUE(b && c);
  auto ac = ConnectTo(*a);
  ASSERT_TRUE(ac);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(ac->Command({"SET", "acked:" + std::to_string(i), std::to_string(i)}), "+OK\r\n");
    ASSERT_EQ(ac->Command({"WAIT", "1", "5000"}).substr(0, 1), ":");
  }
  ASSERT_EQ(ac->Command({"WAIT", "2", "5000"}), ":2\r\n");

  const std::string conf = s_dir.File("sentinel.conf");
  WriteFileBytes(conf, "sentinel monitor mymaster 127.0.0.1 " + std::to_string(a->port()) +
                           " 1\nsentinel down-after-milliseconds mymaster 1000\n"
                           "sentinel failover-timeout mymaster 10000\n");
  // Debian's redis-sentinel (scripts/setup.sh installs it), else redis-server --sentinel.
  const bool debian_sentinel = FileExists("/usr/bin/redis-sentinel");
  ServerProcess sentinel(
      debian_sentinel ? "/usr/bin/redis-sentinel" : RedisServerBinary(),
      debian_sentinel ? std::vector<std::string>{} : std::vector<std::string>{"--sentinel"});
  sentinel.set_config_file(conf);
  std::string error;
  ASSERT_TRUE(sentinel.Start(&error)) << error;
  RespClient sc;
  ASSERT_TRUE(sc.Connect(sentinel.port()));
  // Sentinel found both replicas through the master's INFO.
  ASSERT_TRUE(WaitUntil([&] {
    const std::string r = sc.Command({"SENTINEL", "REPLICAS", "mymaster"});
    return r.starts_with("*2\r\n");
  })) << sentinel.ReadLog();

  a->Stop(SIGKILL);
  std::string new_port;
  ASSERT_TRUE(WaitUntil(
      [&] {
        const std::string r = sc.Command({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"});
        for (const auto* s : {b.get(), c.get()}) {
          const std::string port = std::to_string(s->port());
          if (r.find("\r\n" + port + "\r\n") != std::string::npos) new_port = port;
        }
        return !new_port.empty();
      },
      seconds(30)))
      << sentinel.ReadLog();
  ServerProcess* promoted = new_port == std::to_string(b->port()) ? b.get() : c.get();
  ServerProcess* other = promoted == b.get() ? c.get() : b.get();
  // Sentinel ends the normal clients of the servers it reconfigures (CLIENT KILL TYPE normal in
  // its MULTI): connect after it has finished with each.
  std::unique_ptr<RespClient> pc, oc;
  ASSERT_TRUE(WaitUntil(
      [&] {
        pc = ConnectTo(*promoted);
        oc = ConnectTo(*other);
        return pc && oc && InfoField(*oc, "replication", "master_port") == new_port &&
               InfoField(*oc, "replication", "master_link_status") == "up";
      },
      seconds(30)))
      << sentinel.ReadLog() << other->ReadLog();
  EXPECT_EQ(InfoField(*pc, "replication", "role"), "master");
  EXPECT_EQ(pc->Command({"SET", "after", "failover"}), "+OK\r\n");
  for (int i = 0; i < 50; ++i) {
    const std::string v = std::to_string(i);
    EXPECT_EQ(pc->Command({"GET", "acked:" + v}),
              "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n");
  }
  // The other replica follows the new master, with a partial resync.
  EXPECT_EQ(pc->Command({"WAIT", "1", "5000"}), ":1\r\n");
  EXPECT_EQ(oc->Command({"GET", "after"}), "$8\r\nfailover\r\n");
  EXPECT_EQ(InfoField(*pc, "stats", "sync_partial_ok"), "1") << promoted->ReadLog();
}

// min-replicas-to-write: without enough replicas acknowledging in time, writes are refused as
// Redis refuses them; with one, they go through.
TEST_F(ReplicationTest, MinReplicasToWriteAsRedis) {
  DataDir rill_dir, redis_dir, replica_dir;
  const std::vector<std::string> args = {"--min-replicas-to-write",    "1",
                                         "--min-replicas-max-lag",     "10",
                                         "--repl-diskless-sync-delay", "0"};
  auto rill = Start(RillServerBinary(), rill_dir, args);
  auto redis = Start(RedisServerBinary(), redis_dir, args);
  ASSERT_TRUE(rill && redis);
  auto r = ConnectTo(*rill);
  auto d = ConnectTo(*redis);
  ASSERT_TRUE(r && d);
  for (const auto& c : std::vector<std::vector<std::string>>{
           {"SET", "k", "v"}, {"GET", "k"}, {"MULTI"}, {"INCR", "n"}, {"EXEC"}, {"PING"}}) {
    EXPECT_EQ(r->Command(c), d->Command(c)) << c[0];
  }
  EXPECT_EQ(InfoField(*r, "replication", "min_slaves_good_slaves"), "0");
  auto replica = Start(RillServerBinary(), replica_dir, ReplicaOf(*rill));
  ASSERT_TRUE(replica);
  ASSERT_TRUE(WaitUntil([&] { return r->Command({"SET", "k", "v"}) == "+OK\r\n"; }));
  EXPECT_EQ(InfoField(*r, "replication", "min_slaves_good_slaves"), "1");
}

// repl-backlog-ttl: a master whose replicas are gone frees its backlog after that many seconds
// and starts a new replication history.
TEST_F(ReplicationTest, BacklogIsFreedAfterTtlWithoutReplicas) {
  DataDir master_dir, replica_dir;
  auto rill = Start(RillServerBinary(), master_dir,
                    {"--repl-backlog-ttl", "1", "--repl-diskless-sync-delay", "0"});
  ASSERT_TRUE(rill);
  auto mc = ConnectTo(*rill);
  ASSERT_TRUE(mc);
  auto replica = Start(RillServerBinary(), replica_dir, ReplicaOf(*rill));
  ASSERT_TRUE(replica);
  auto rc = ConnectTo(*replica);
  ASSERT_TRUE(rc);
  ASSERT_TRUE(WaitInSync(*mc, *rc));
  EXPECT_EQ(InfoField(*mc, "replication", "repl_backlog_active"), "1");
  const std::string id = InfoField(*mc, "replication", "master_replid");
  rc.reset();
  replica->Stop(SIGKILL);
  ASSERT_TRUE(WaitUntil([&] {
    return InfoField(*mc, "replication", "repl_backlog_active") == "0";
  })) << rill->ReadLog();
  EXPECT_NE(InfoField(*mc, "replication", "master_replid"), id);
  EXPECT_EQ(InfoField(*mc, "replication", "repl_backlog_histlen"), "0");
  EXPECT_NE(
      rill->ReadLog().find("Replication backlog freed after 1 seconds without connected replicas."),
      std::string::npos);
}

// client-output-buffer-limit replica: a replica that stops reading (SIGSTOP) while the master
// writes more than the hard limit beyond what the sockets take is disconnected, as Redis does;
// once it runs again it syncs anew.
TEST_F(ReplicationTest, ReplicaPastItsOutputLimitIsDisconnected) {
  DataDir master_dir, replica_dir;
  auto master = Start(
      RillServerBinary(), master_dir,
      {"--repl-diskless-sync-delay", "0", "--client-output-buffer-limit", "replica 1mb 512kb 60"});
  ASSERT_TRUE(master);
  auto mc = ConnectTo(*master);
  ASSERT_TRUE(mc);
  auto replica = Start(RillServerBinary(), replica_dir, ReplicaOf(*master));
  ASSERT_TRUE(replica);
  auto rc = ConnectTo(*replica);
  ASSERT_TRUE(rc);
  ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog() << master->ReadLog();
  rc.reset();
  ASSERT_EQ(kill(replica->pid(), SIGSTOP), 0);
  // 40 MB of writes: more than the loopback socket buffers hold, past the hard limit.
  const std::string value(100 * 1024, 'v');
  for (int i = 0; i < 400 && InfoField(*mc, "replication", "connected_slaves") != "0"; ++i) {
    ASSERT_EQ(mc->Command({"SET", "big:" + std::to_string(i), value}), "+OK\r\n");
  }
  EXPECT_TRUE(WaitUntil([&] { return InfoField(*mc, "replication", "connected_slaves") == "0"; }))
      << master->ReadLog();
  EXPECT_NE(master->ReadLog().find("scheduled to be closed ASAP for overcoming of output buffer "
                                   "limits"),
            std::string::npos);
  ASSERT_EQ(kill(replica->pid(), SIGCONT), 0);
  rc = ConnectTo(*replica);
  ASSERT_TRUE(rc);
  ASSERT_TRUE(WaitInSync(*mc, *rc, seconds(30))) << replica->ReadLog() << master->ReadLog();
  EXPECT_EQ(rc->Command({"DBSIZE"}), mc->Command({"DBSIZE"}));
  EXPECT_EQ(InfoField(*mc, "stats", "sync_full"), "2");
}

// FAILOVER's arguments and refusals, as redis-server 7.0 words them, on a master without
// replicas.
TEST_F(ReplicationTest, FailoverArgumentsAsRedis) {
  DataDir rill_dir, redis_dir;
  auto rill = Start(RillServerBinary(), rill_dir);
  auto redis = Start(RedisServerBinary(), redis_dir);
  ASSERT_TRUE(rill && redis);
  auto r = ConnectTo(*rill);
  auto d = ConnectTo(*redis);
  ASSERT_TRUE(r && d);
  const std::vector<std::vector<std::string>> cases = {
      {"FAILOVER"},
      {"FAILOVER", "ABORT"},
      {"FAILOVER", "abort", "x"},
      {"FAILOVER", "TIMEOUT", "0"},
      {"FAILOVER", "TIMEOUT", "-5"},
      {"FAILOVER", "TIMEOUT", "x"},
      {"FAILOVER", "TIMEOUT"},
      {"FAILOVER", "TIMEOUT", "10", "TIMEOUT", "20"},
      {"FAILOVER", "TO", "127.0.0.1"},
      {"FAILOVER", "TO", "127.0.0.1", "x"},
      {"FAILOVER", "TO", "127.0.0.1", "6379", "TO", "127.0.0.1", "6380"},
      {"FAILOVER", "FORCE"},
      {"FAILOVER", "FORCE", "FORCE"},
      {"FAILOVER", "nosuch"},
      {"FAILOVER", "TO", "127.0.0.1", "1", "FORCE", "TIMEOUT", "10"},
      {"PSYNC", "?", "-1", "FAILOVER"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(r->Command(c), d->Command(c)) << c.size() << " " << c.back();
  }
  EXPECT_EQ(InfoField(*r, "replication", "master_failover_state"), "no-failover");
}

// FAILOVER between two Rills: it waits (writes paused) for the replica to have every byte, can
// be aborted or time out, and then hands over: the old master becomes the replica of the new
// one through PSYNC ... FAILOVER and continues with a partial resync. (The data is written
// before the replica attaches: a consumer group made with ENTRIESREAD and then read from reaches a
// replica through the stream with another entries-read than the master's, a gap of the stream
// commands' propagation, not of replication's.)
TEST_F(ReplicationTest, FailoverRillToRill) {
  DataDir a_dir, b_dir;
  auto a = Start(RillServerBinary(), a_dir, {"--repl-diskless-sync-delay", "0"});
  ASSERT_TRUE(a);
  auto ac = ConnectTo(*a);
  ASSERT_TRUE(ac);
  FillEveryType(*ac);
  auto b = Start(RillServerBinary(), b_dir, ReplicaOf(*a));
  ASSERT_TRUE(b);
  auto bc = ConnectTo(*b);
  ASSERT_TRUE(bc);
  ASSERT_TRUE(WaitInSync(*ac, *bc)) << b->ReadLog() << a->ReadLog();
  ASSERT_TRUE(WaitOnline(*ac));
  const std::string bport = std::to_string(b->port());
  EXPECT_EQ(bc->Command({"FAILOVER"}), "-ERR FAILOVER is not valid when server is a replica.\r\n");
  EXPECT_EQ(ac->Command({"FAILOVER", "FORCE", "TIMEOUT", "10"}),
            "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n");
  EXPECT_EQ(ac->Command({"FAILOVER", "TO", "127.0.0.1", "1"}),
            "-ERR FAILOVER target HOST and PORT is not a replica.\r\n");

  // The replica stopped, the master a write ahead: the failover waits, writes wait with it.
  ASSERT_EQ(kill(b->pid(), SIGSTOP), 0);
  ASSERT_EQ(ac->Command({"SET", "ahead", "1"}), "+OK\r\n");
  EXPECT_EQ(ac->Command({"FAILOVER", "TO", "127.0.0.1", bport, "TIMEOUT", "60000"}), "+OK\r\n");
  EXPECT_EQ(InfoField(*ac, "replication", "master_failover_state"), "waiting-for-sync");
  EXPECT_EQ(ac->Command({"FAILOVER"}), "-ERR FAILOVER already in progress.\r\n");
  EXPECT_EQ(ac->Command({"REPLICAOF", "NO", "ONE"}),
            "-ERR REPLICAOF not allowed while failing over.\r\n");
  auto writer = ConnectTo(*a);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->Send({"SET", "paused", "1"}));
  EXPECT_EQ(writer->ReadReply(milliseconds(300)), "");      // held by the pause
  EXPECT_EQ(ac->Command({"GET", "ahead"}), "$1\r\n1\r\n");  // reads go on
  EXPECT_EQ(ac->Command({"FAILOVER", "ABORT"}), "+OK\r\n");
  EXPECT_EQ(writer->ReadReply(), "+OK\r\n");
  EXPECT_EQ(InfoField(*ac, "replication", "master_failover_state"), "no-failover");
  // A timeout without FORCE gives up too.
  EXPECT_EQ(ac->Command({"FAILOVER", "TIMEOUT", "200"}), "+OK\r\n");
  EXPECT_TRUE(WaitUntil(
      [&] { return InfoField(*ac, "replication", "master_failover_state") == "no-failover"; }));
  EXPECT_NE(a->ReadLog().find("FAILOVER to any replica aborted: Replica never caught up before "
                              "timeout"),
            std::string::npos);
  EXPECT_EQ(InfoField(*ac, "replication", "role"), "master");
  ASSERT_EQ(kill(b->pid(), SIGCONT), 0);
  ASSERT_TRUE(WaitInSync(*ac, *bc));

  EXPECT_EQ(ac->Command({"FAILOVER"}), "+OK\r\n");
  ASSERT_TRUE(WaitUntil([&] {
    return InfoField(*ac, "replication", "master_port") == bport &&
           InfoField(*ac, "replication", "master_link_status") == "up" &&
           InfoField(*ac, "replication", "master_failover_state") == "no-failover";
  })) << a->ReadLog()
      << b->ReadLog();
  EXPECT_EQ(InfoField(*bc, "replication", "role"), "master");
  EXPECT_EQ(InfoField(*bc, "stats", "sync_partial_ok"), "1") << b->ReadLog();
  EXPECT_EQ(InfoField(*bc, "stats", "sync_full"), "0");
  EXPECT_NE(b->ReadLog().find("MASTER MODE enabled (failover request from"), std::string::npos);
  EXPECT_EQ(bc->Command({"SET", "after", "failover"}), "+OK\r\n");
  ASSERT_TRUE(WaitInSync(*bc, *ac));
  EXPECT_EQ(ac->Command({"GET", "after"}), "$8\r\nfailover\r\n");
  EXPECT_EQ(DescribeKeyspace(*ac), DescribeKeyspace(*bc));
  EXPECT_EQ(ac->Command({"SET", "x", "y"}),
            "-READONLY You can't write against a read only replica.\r\n");
}

// FAILOVER both ways with redis-server: a Rill master hands over to its redis-server replica,
// which then hands back to Rill (Rill as the target of PSYNC ... FAILOVER).
TEST_F(ReplicationTest, FailoverWithRedisBothWays) {
  DataDir rill_dir, redis_dir;
  auto rill = Start(RillServerBinary(), rill_dir, {"--repl-diskless-sync-delay", "0"});
  ASSERT_TRUE(rill);
  auto lc = ConnectTo(*rill);
  ASSERT_TRUE(lc);
  FillEveryType(*lc);
  auto redis = Start(RedisServerBinary(), redis_dir, ReplicaOf(*rill));
  ASSERT_TRUE(redis);
  auto dc = ConnectTo(*redis);
  ASSERT_TRUE(dc);
  ASSERT_TRUE(WaitInSync(*lc, *dc)) << redis->ReadLog() << rill->ReadLog();
  ASSERT_TRUE(WaitOnline(*lc));
  EXPECT_EQ(lc->Command({"FAILOVER", "TO", "127.0.0.1", std::to_string(redis->port())}), "+OK\r\n");
  ASSERT_TRUE(WaitUntil([&] {
    return InfoField(*lc, "replication", "master_port") == std::to_string(redis->port()) &&
           InfoField(*lc, "replication", "master_link_status") == "up";
  })) << rill->ReadLog()
      << redis->ReadLog();
  EXPECT_EQ(InfoField(*dc, "replication", "role"), "master");
  EXPECT_EQ(InfoField(*dc, "stats", "sync_partial_ok"), "1") << redis->ReadLog();
  EXPECT_EQ(dc->Command({"SET", "on", "redis"}), "+OK\r\n");
  ASSERT_TRUE(WaitInSync(*dc, *lc));
  EXPECT_EQ(DescribeKeyspace(*lc), DescribeKeyspace(*dc));

  // And back: redis-server's FAILOVER makes Rill the master again.
  EXPECT_EQ(dc->Command({"FAILOVER"}), "+OK\r\n");
  ASSERT_TRUE(WaitUntil([&] {
    return InfoField(*lc, "replication", "role") == "master" &&
           InfoField(*dc, "replication", "master_link_status") == "up";
  })) << rill->ReadLog()
      << redis->ReadLog();
  // Redis's PSYNC ... FAILOVER was served from the backlog: no second full sync. (The link
  // redis-server reopens to Rill in the instant of the first hand-over, before it reads
  // Rill's PSYNC FAILOVER, may be served partially too: the partial count is not always 1.)
  EXPECT_EQ(InfoField(*lc, "stats", "sync_full"), "1") << rill->ReadLog();
  EXPECT_NE(InfoField(*lc, "stats", "sync_partial_ok"), "0") << rill->ReadLog();
  EXPECT_EQ(lc->Command({"SET", "on", "rill"}), "+OK\r\n");
  ASSERT_TRUE(WaitInSync(*lc, *dc));
  EXPECT_EQ(dc->Command({"GET", "on"}), "$4\r\nrill\r\n");
  EXPECT_EQ(DescribeKeyspace(*lc), DescribeKeyspace(*dc));
}

// The field `name` of a CLIENT LIST line ("" when absent).
std::string ClientListField(const std::string& line, const std::string& name) {
  const size_t at = line.find(" " + name + "=");
  if (at == std::string::npos) return "";
  const size_t from = at + name.size() + 2;
  const size_t end = line.find_first_of(" \r\n", from);
  return line.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

// FAILOVER's write pause and CLIENT PAUSE are kept apart, as Redis 7.0's pause purposes: a
// CLIENT UNPAUSE while a FAILOVER waits for its replica leaves writes held (until FAILOVER
// ABORT), and a FAILOVER that ends during a CLIENT PAUSE leaves that pause. The same steps on a
// Rill and on a redis-server master (each with a stopped replica, so that the FAILOVER waits)
// give the same replies, CLIENT LIST flags and INFO figures.
TEST_F(ReplicationTest, FailoverPauseIsKeptApartFromClientPauseAsRedis) {
  std::vector<std::vector<std::string>> runs;
  for (const std::string& binary : {RillServerBinary(), RedisServerBinary()}) {
    SCOPED_TRACE(binary);
    std::vector<std::string> seen;
    DataDir master_dir, replica_dir;
    auto master = Start(binary, master_dir, {"--repl-diskless-sync-delay", "0"});
    ASSERT_TRUE(master);
    auto replica = Start(binary, replica_dir, ReplicaOf(*master));
    ASSERT_TRUE(replica);
    auto mc = ConnectTo(*master);
    auto rc = ConnectTo(*replica);
    auto writer = ConnectTo(*master);
    ASSERT_TRUE(mc && rc && writer);
    ASSERT_TRUE(WaitInSync(*mc, *rc));
    ASSERT_TRUE(WaitOnline(*mc));
    const std::string writer_id = writer->Command({"CLIENT", "ID"}).substr(1);
    const std::string id = writer_id.substr(0, writer_id.size() - 2);
    auto note = [&](const std::string& what, const std::string& value) {
      seen.push_back(what + ": " + value);
    };
    auto writer_state = [&](const std::string& when) {
      const std::string line = mc->Command({"CLIENT", "LIST", "ID", id});
      note(when + " flags", ClientListField(line, "flags"));
      note(when + " cmd", ClientListField(line, "cmd"));
      note(when + " blocked_clients", InfoField(*mc, "clients", "blocked_clients"));
    };
    // The replica stops reading: it never acknowledges what comes next.
    ASSERT_EQ(::kill(replica->pid(), SIGSTOP), 0);
    ASSERT_EQ(mc->Command({"SET", "before", "1"}), "+OK\r\n");

    note("failover", mc->Command({"FAILOVER", "TIMEOUT", "20000"}));
    note("state", InfoField(*mc, "replication", "master_failover_state"));
    ASSERT_TRUE(writer->Send({"SET", "k", "v"}));
    note("held", writer->ReadReply(milliseconds(300)));
    note("get", mc->Command({"GET", "before"}));
    note("unpause", mc->Command({"CLIENT", "UNPAUSE"}));
    note("still held", writer->ReadReply(milliseconds(300)));
    writer_state("during failover");
    note("abort", mc->Command({"FAILOVER", "ABORT"}));
    note("released", writer->ReadReply());
    writer_state("after abort");

    // The other way round: a FAILOVER ending inside a CLIENT PAUSE WRITE leaves it.
    note("pause", mc->Command({"CLIENT", "PAUSE", "60000", "WRITE"}));
    note("failover 2", mc->Command({"FAILOVER", "TIMEOUT", "20000"}));
    note("abort 2", mc->Command({"FAILOVER", "ABORT"}));
    note("state 2", InfoField(*mc, "replication", "master_failover_state"));
    ASSERT_TRUE(writer->Send({"SET", "k", "w"}));
    note("held 2", writer->ReadReply(milliseconds(300)));
    writer_state("after abort 2");
    note("unpause 2", mc->Command({"CLIENT", "UNPAUSE"}));
    note("released 2", writer->ReadReply());
    note("get 2", mc->Command({"GET", "k"}));
    ASSERT_EQ(::kill(replica->pid(), SIGCONT), 0);
    runs.push_back(seen);
  }
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0], runs[1]);
  // What Redis does, spelled out.
  EXPECT_THAT(runs[0], ::testing::Contains("still held: "));
  EXPECT_THAT(runs[0], ::testing::Contains("released: +OK\r\n"));
  EXPECT_THAT(runs[0], ::testing::Contains("held 2: "));
  EXPECT_THAT(runs[0], ::testing::Contains("get 2: $1\r\nw\r\n"));
}

// REPLICAOF keeps the replicaof parameter current, as Redis does: CONFIG GET shows the master
// (or nothing on a master) and CONFIG REWRITE writes the line Sentinel relies on.
TEST_F(ReplicationTest, ReplicaofKeptCurrentForConfigGetAndRewrite) {
  DataDir master_dir, rill_dir, redis_dir;
  auto master = Start(RillServerBinary(), master_dir, {"--repl-diskless-sync-delay", "0"});
  ASSERT_TRUE(master);
  std::vector<std::unique_ptr<ServerProcess>> servers;
  std::vector<std::string> files;
  for (const auto& [binary, dir] :
       {std::pair(RillServerBinary(), &rill_dir), std::pair(RedisServerBinary(), &redis_dir)}) {
    files.push_back(dir->File("server.conf"));
    WriteFileBytes(files.back(), "appendonly no\n");
    servers.push_back(std::make_unique<ServerProcess>(binary, std::vector<std::string>{}));
    servers.back()->set_config_file(files.back());
    std::string error;
    ASSERT_TRUE(servers.back()->Start(&error)) << error;
  }
  const std::string mport = std::to_string(master->port());
  for (size_t i = 0; i < servers.size(); ++i) {
    SCOPED_TRACE(i == 0 ? "rill" : "redis");
    auto c = ConnectTo(*servers[i]);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->Command({"CONFIG", "GET", "replicaof"}), "*2\r\n$9\r\nreplicaof\r\n$0\r\n\r\n");
    ASSERT_EQ(c->Command({"REPLICAOF", "127.0.0.1", mport}), "+OK\r\n");
    const std::string value = "127.0.0.1 " + mport;
    EXPECT_EQ(c->Command({"CONFIG", "GET", "slaveof"}),
              "*2\r\n$7\r\nslaveof\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n");
    ASSERT_EQ(c->Command({"CONFIG", "REWRITE"}), "+OK\r\n");
    EXPECT_NE(ReadFileBytes(files[i]).find("\nreplicaof 127.0.0.1 " + mport + "\n"),
              std::string::npos)
        << ReadFileBytes(files[i]);
    ASSERT_EQ(c->Command({"REPLICAOF", "NO", "ONE"}), "+OK\r\n");
    EXPECT_EQ(c->Command({"CONFIG", "GET", "replicaof"}), "*2\r\n$9\r\nreplicaof\r\n$0\r\n\r\n");
    ASSERT_EQ(c->Command({"CONFIG", "REWRITE"}), "+OK\r\n");
    EXPECT_EQ(ReadFileBytes(files[i]).find("replicaof"), std::string::npos)
        << ReadFileBytes(files[i]);
  }
}

TEST_F(ReplicationTest, ReplconfAndWaitArgumentsAsRedis) {
  DataDir rill_dir, redis_dir;
  auto rill = Start(RillServerBinary(), rill_dir);
  auto redis = Start(RedisServerBinary(), redis_dir);
  ASSERT_TRUE(rill && redis);
  auto r = ConnectTo(*rill);
  auto d = ConnectTo(*redis);
  ASSERT_TRUE(r && d);
  const std::vector<std::vector<std::string>> cases = {
      {"REPLCONF"},
      {"REPLCONF", "listening-port"},
      {"REPLCONF", "listening-port", "abc"},
      {"REPLCONF", "listening-port", "6380", "capa", "eof", "capa", "psync2"},
      {"REPLCONF", "nosuch", "1"},
      {"WAIT", "0", "0"},
      {"WAIT", "x", "0"},
      {"WAIT", "1", "x"},
      {"WAIT", "1", "-1"},
      {"WAIT", "1", "10"},
      {"REPLICAOF", "127.0.0.1", "70000"},
      {"REPLICAOF", "127.0.0.1", "x"},
      {"REPLICAOF", "no", "one"},
      {"ROLE"},
  };
  for (const auto& c : cases) {
    std::string ours = r->Command(c);
    std::string theirs = d->Command(c);
    EXPECT_EQ(ours, theirs) << c[0] << " " << (c.size() > 1 ? c[1] : "");
  }
  // A client parked in WAIT counts as blocked, with a timeout, in INFO clients.
  auto rw = ConnectTo(*rill);
  auto dw = ConnectTo(*redis);
  ASSERT_TRUE(rw && dw);
  ASSERT_TRUE(rw->Send({"WAIT", "1", "2000"}) && dw->Send({"WAIT", "1", "2000"}));
  for (const char* field : {"blocked_clients", "clients_in_timeout_table"}) {
    EXPECT_TRUE(WaitUntil([&] { return InfoField(*d, "clients", field) == "1"; })) << field;
    EXPECT_TRUE(WaitUntil([&] { return InfoField(*r, "clients", field) == "1"; })) << field;
  }
  EXPECT_EQ(rw->ReadReply(), ":0\r\n");
  EXPECT_EQ(dw->ReadReply(), ":0\r\n");
  EXPECT_EQ(InfoField(*r, "clients", "blocked_clients"), "0");
}

}  // namespace
// bind-source-addr: the replica's link to its master leaves from that address, which the
// master then shows for it (127.0.0.2 is loopback too on Linux). Binding is best effort, as in
// Redis: with an address the machine does not have, the link comes up from the default one.
// The same for a redis-server replica.
TEST_F(ReplicationTest, BindSourceAddrIsWhereTheLinkComesFrom) {
  for (const std::string& binary : {RillServerBinary(), RedisServerBinary()}) {
    SCOPED_TRACE(binary);
    DataDir master_dir, replica_dir, stray_dir;
    // Protected mode takes only 127.0.0.1 and ::1 for local peers, as Redis's does.
    auto master = Start(RillServerBinary(), master_dir,
                        {"--protected-mode", "no", "--repl-diskless-sync-delay", "0"});
    ASSERT_TRUE(master);
    auto mc = ConnectTo(*master);
    ASSERT_TRUE(mc);
    std::vector<std::string> args = ReplicaOf(*master);
    args.push_back("--bind-source-addr");
    args.push_back("127.0.0.2");
    auto replica = Start(binary, replica_dir, args);
    ASSERT_TRUE(replica);
    auto rc = ConnectTo(*replica);
    ASSERT_TRUE(rc);
    ASSERT_TRUE(WaitInSync(*mc, *rc)) << replica->ReadLog();
    EXPECT_NE(InfoField(*mc, "replication", "slave0").find("ip=127.0.0.2,"), std::string::npos)
        << InfoField(*mc, "replication", "slave0");
    EXPECT_EQ(rc->Command({"CONFIG", "GET", "bind-source-addr"}),
              "*2\r\n$16\r\nbind-source-addr\r\n$9\r\n127.0.0.2\r\n");

    args = ReplicaOf(*master);
    args.push_back("--bind-source-addr");
    args.push_back("192.0.2.1");  // TEST-NET-1: not an address of this machine
    auto stray = Start(binary, stray_dir, args);
    ASSERT_TRUE(stray);
    auto sc = ConnectTo(*stray);
    ASSERT_TRUE(sc);
    ASSERT_TRUE(WaitInSync(*mc, *sc)) << stray->ReadLog();
    EXPECT_NE(InfoField(*mc, "replication", "slave1").find("ip=127.0.0.1,"), std::string::npos)
        << InfoField(*mc, "replication", "slave1");
  }
}

}  // namespace rill::testing
