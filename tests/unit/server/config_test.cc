// Config against Redis 7.0.15's behaviour: parameter list and defaults as `CONFIG GET *`
// reports them on a fresh redis-server, CONFIG SET error texts, redis.conf grammar and the
// command-line conversion, each value taken from the real server.
#include "server/config/config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/config_params.h"
#include "server/config/config_syntax.h"
#include "server/config/ignored_params.h"

namespace rill {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::vector<std::pair<std::string, std::string>> GetAll(const Config& c,
                                                        std::vector<std::string_view> patterns) {
  return c.Get(patterns);
}

std::string GetOne(const Config& c, std::string_view name) {
  std::string_view p[] = {name};
  auto r = c.Get(p);
  return r.size() == 1 ? r[0].second : "<missing>";
}

// Sets pairs; returns "OK" or the error text.
std::string SetPairs(Config& c, std::vector<std::pair<std::string_view, std::string_view>> pairs) {
  std::string err;
  return c.Set(pairs, &err) ? "OK" : err;
}

std::string LoadText(Config& c, std::string_view text) {
  std::string err;
  return c.LoadFromString(text, &err) ? "OK" : err;
}

std::string LoadArgs(Config& c, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::string err;
  return c.LoadFromArgs(static_cast<int>(argv.size()), argv.data(), &err) ? "OK" : err;
}

std::string Fatal(int line, std::string_view text, std::string_view err) {
  return std::string("\n*** FATAL CONFIG FILE ERROR (Rill ") + RILL_VERSION + ") ***\n" +
         "Reading the configuration file, at line " + std::to_string(line) + "\n>>> '" +
         std::string(text) + "'\n" + std::string(err) + "\n";
}

// `CONFIG GET *` of a fresh redis-server 7.0.15 (port/bind at their built-in defaults; "dir"
// depends on the working directory and is checked on its own).
const std::map<std::string, std::string> kRedisDefaults = {
    {"acl-pubsub-default", "resetchannels"},
    {"aclfile", ""},
    {"acllog-max-len", "128"},
    {"active-defrag-cycle-max", "25"},
    {"active-defrag-cycle-min", "1"},
    {"active-defrag-ignore-bytes", "104857600"},
    {"active-defrag-max-scan-fields", "1000"},
    {"active-defrag-threshold-lower", "10"},
    {"active-defrag-threshold-upper", "100"},
    {"active-expire-effort", "1"},
    {"activedefrag", "no"},
    {"activerehashing", "yes"},
    {"always-show-logo", "no"},
    {"aof-disable-auto-gc", "no"},
    {"aof-load-truncated", "yes"},
    {"aof-rewrite-incremental-fsync", "yes"},
    {"aof-timestamp-enabled", "no"},
    {"aof-use-rdb-preamble", "yes"},
    {"aof_rewrite_cpulist", ""},
    {"appenddirname", "appendonlydir"},
    {"appendfilename", "appendonly.aof"},
    {"appendfsync", "everysec"},
    {"appendonly", "no"},
    {"auto-aof-rewrite-min-size", "67108864"},
    {"auto-aof-rewrite-percentage", "100"},
    {"bgsave_cpulist", ""},
    {"bind", "* -::*"},
    {"bind-source-addr", ""},
    {"bio_cpulist", ""},
    {"busy-reply-threshold", "5000"},
    {"client-output-buffer-limit",
     "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
    {"client-query-buffer-limit", "1073741824"},
    {"cluster-allow-pubsubshard-when-down", "yes"},
    {"cluster-allow-reads-when-down", "no"},
    {"cluster-allow-replica-migration", "yes"},
    {"cluster-announce-bus-port", "0"},
    {"cluster-announce-hostname", ""},
    {"cluster-announce-ip", ""},
    {"cluster-announce-port", "0"},
    {"cluster-announce-tls-port", "0"},
    {"cluster-config-file", "nodes.conf"},
    {"cluster-enabled", "no"},
    {"cluster-link-sendbuf-limit", "0"},
    {"cluster-migration-barrier", "1"},
    {"cluster-node-timeout", "15000"},
    {"cluster-port", "0"},
    {"cluster-preferred-endpoint-type", "ip"},
    {"cluster-replica-no-failover", "no"},
    {"cluster-replica-validity-factor", "10"},
    {"cluster-require-full-coverage", "yes"},
    {"cluster-slave-no-failover", "no"},
    {"cluster-slave-validity-factor", "10"},
    {"crash-log-enabled", "yes"},
    {"crash-memcheck-enabled", "yes"},
    {"daemonize", "no"},
    {"databases", "16"},
    {"dbfilename", "dump.rdb"},
    {"disable-thp", "yes"},
    {"dynamic-hz", "yes"},
    {"enable-debug-command", "no"},
    {"enable-module-command", "no"},
    {"enable-protected-configs", "no"},
    {"hash-max-listpack-entries", "512"},
    {"hash-max-listpack-value", "64"},
    {"hash-max-ziplist-entries", "512"},
    {"hash-max-ziplist-value", "64"},
    {"hll-sparse-max-bytes", "3000"},
    {"hz", "10"},
    {"ignore-warnings", ""},
    {"io-threads", "1"},
    {"io-threads-do-reads", "no"},
    {"jemalloc-bg-thread", "yes"},
    {"latency-monitor-threshold", "0"},
    {"latency-tracking", "yes"},
    {"latency-tracking-info-percentiles", "50 99 99.9"},
    {"lazyfree-lazy-eviction", "no"},
    {"lazyfree-lazy-expire", "no"},
    {"lazyfree-lazy-server-del", "no"},
    {"lazyfree-lazy-user-del", "no"},
    {"lazyfree-lazy-user-flush", "no"},
    {"lfu-decay-time", "1"},
    {"lfu-log-factor", "10"},
    {"list-compress-depth", "0"},
    {"list-max-listpack-size", "-2"},
    {"list-max-ziplist-size", "-2"},
    {"logfile", ""},
    {"loglevel", "notice"},
    {"lua-time-limit", "5000"},
    {"masterauth", ""},
    {"masteruser", ""},
    {"maxclients", "10000"},
    {"maxmemory", "0"},
    {"maxmemory-clients", "0"},
    {"maxmemory-eviction-tenacity", "10"},
    {"maxmemory-policy", "noeviction"},
    {"maxmemory-samples", "5"},
    {"min-replicas-max-lag", "10"},
    {"min-replicas-to-write", "0"},
    {"min-slaves-max-lag", "10"},
    {"min-slaves-to-write", "0"},
    {"no-appendfsync-on-rewrite", "no"},
    {"notify-keyspace-events", ""},
    {"oom-score-adj", "no"},
    {"oom-score-adj-values", "0 200 800"},
    {"pidfile", ""},
    {"port", "6379"},
    {"proc-title-template", "{title} {listen-addr} {server-mode}"},
    {"propagation-error-behavior", "ignore"},
    {"protected-mode", "yes"},
    {"proto-max-bulk-len", "536870912"},
    {"rdb-del-sync-files", "no"},
    {"rdb-save-incremental-fsync", "yes"},
    {"rdbchecksum", "yes"},
    {"rdbcompression", "yes"},
    {"repl-backlog-size", "1048576"},
    {"repl-backlog-ttl", "3600"},
    {"repl-disable-tcp-nodelay", "no"},
    {"repl-diskless-load", "disabled"},
    {"repl-diskless-sync", "yes"},
    {"repl-diskless-sync-delay", "5"},
    {"repl-diskless-sync-max-replicas", "0"},
    {"repl-ping-replica-period", "10"},
    {"repl-ping-slave-period", "10"},
    {"repl-timeout", "60"},
    {"replica-announce-ip", ""},
    {"replica-announce-port", "0"},
    {"replica-announced", "yes"},
    {"replica-ignore-disk-write-errors", "no"},
    {"replica-ignore-maxmemory", "yes"},
    {"replica-lazy-flush", "no"},
    {"replica-priority", "100"},
    {"replica-read-only", "yes"},
    {"replica-serve-stale-data", "yes"},
    {"replicaof", ""},
    {"requirepass", ""},
    {"sanitize-dump-payload", "no"},
    {"save", "3600 1 300 100 60 10000"},
    {"server_cpulist", ""},
    {"set-max-intset-entries", "512"},
    {"set-proc-title", "yes"},
    {"shutdown-on-sigint", "default"},
    {"shutdown-on-sigterm", "default"},
    {"shutdown-timeout", "10"},
    {"slave-announce-ip", ""},
    {"slave-announce-port", "0"},
    {"slave-ignore-maxmemory", "yes"},
    {"slave-lazy-flush", "no"},
    {"slave-priority", "100"},
    {"slave-read-only", "yes"},
    {"slave-serve-stale-data", "yes"},
    {"slaveof", ""},
    {"slowlog-log-slower-than", "10000"},
    {"slowlog-max-len", "128"},
    {"socket-mark-id", "0"},
    {"stop-writes-on-bgsave-error", "yes"},
    {"stream-node-max-bytes", "4096"},
    {"stream-node-max-entries", "100"},
    {"supervised", "no"},
    {"syslog-enabled", "no"},
    {"syslog-facility", "local0"},
    {"syslog-ident", "redis"},
    {"tcp-backlog", "511"},
    {"tcp-keepalive", "300"},
    {"timeout", "0"},
    {"tls-auth-clients", "yes"},
    {"tls-ca-cert-dir", ""},
    {"tls-ca-cert-file", ""},
    {"tls-cert-file", ""},
    {"tls-ciphers", ""},
    {"tls-ciphersuites", ""},
    {"tls-client-cert-file", ""},
    {"tls-client-key-file", ""},
    {"tls-client-key-file-pass", ""},
    {"tls-cluster", "no"},
    {"tls-dh-params-file", ""},
    {"tls-key-file", ""},
    {"tls-key-file-pass", ""},
    {"tls-port", "0"},
    {"tls-prefer-server-ciphers", "no"},
    {"tls-protocols", ""},
    {"tls-replication", "no"},
    {"tls-session-cache-size", "20480"},
    {"tls-session-cache-timeout", "300"},
    {"tls-session-caching", "yes"},
    {"tracking-table-max-keys", "1000000"},
    {"unixsocket", ""},
    {"unixsocketperm", "0"},
    {"zset-max-listpack-entries", "128"},
    {"zset-max-listpack-value", "64"},
    {"zset-max-ziplist-entries", "128"},
    {"zset-max-ziplist-value", "64"},
};

TEST(ConfigTest, GetStarListsEveryRedisParameterWithItsDefault) {
  Config c;
  auto all = GetAll(c, {"*"});
  EXPECT_EQ(all.size(), 192u);
  std::map<std::string, std::string> got;
  for (auto& [k, v] : all) {
    EXPECT_TRUE(got.emplace(k, v).second) << "listed twice: " << k;
  }
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(got["dir"], cwd);
  got.erase("dir");
  EXPECT_EQ(got, kRedisDefaults);
}

TEST(ConfigTest, HiddenParametersNeedTheirExactName) {
  Config c;
  EXPECT_EQ(GetOne(c, "rdb-key-save-delay"), "0");
  EXPECT_EQ(GetOne(c, "loading-process-events-interval-bytes"), "2097152");
  EXPECT_TRUE(GetAll(c, {"rdb-key-save-*"}).empty());
}

TEST(ConfigTest, GetAnswersExactNamesAsAskedAndEachNameOnce) {
  Config c;
  EXPECT_THAT(GetAll(c, {"PORT", "port", "Port"}), ElementsAre(Pair("PORT", "6379")));
  EXPECT_THAT(GetAll(c, {"P*RT"}), ElementsAre(Pair("port", "6379")));
  EXPECT_THAT(
      GetAll(c, {"maxmemory", "maxmemory*"}),
      UnorderedElementsAre(Pair("maxmemory", "0"), Pair("maxmemory-clients", "0"),
                           Pair("maxmemory-policy", "noeviction"), Pair("maxmemory-samples", "5"),
                           Pair("maxmemory-eviction-tenacity", "10")));
  EXPECT_TRUE(GetAll(c, {"nosuchparam"}).empty());
}

TEST(ConfigTest, AliasesShareOneValueAndBothAreListed) {
  Config c;
  EXPECT_EQ(SetPairs(c, {{"list-max-ziplist-size", "5"}}), "OK");
  EXPECT_THAT(GetAll(c, {"list-max*"}), UnorderedElementsAre(Pair("list-max-listpack-size", "5"),
                                                             Pair("list-max-ziplist-size", "5")));
  EXPECT_EQ(SetPairs(c, {{"slave-read-only", "no"}}), "OK");
  EXPECT_EQ(GetOne(c, "replica-read-only"), "no");
  EXPECT_EQ(SetPairs(c, {{"replica-read-only", "yes"}, {"slave-read-only", "no"}}),
            "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - duplicate "
            "parameter");
}

TEST(ConfigTest, SetErrorsMatchRedis) {
  Config c;
  const std::string kFailed = "ERR CONFIG SET failed (possibly related to argument ";
  EXPECT_EQ(SetPairs(c, {{"foo", "bar"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(SetPairs(c, {{"maxmemory", "abc"}}),
            kFailed + "'maxmemory') - argument must be a memory value");
  EXPECT_EQ(SetPairs(c, {{"MAXMEMORY", "abc"}}),
            kFailed + "'maxmemory') - argument must be a memory value");
  EXPECT_EQ(SetPairs(c, {{"daemonize", "yes"}}),
            kFailed + "'daemonize') - can't set immutable config");
  EXPECT_EQ(SetPairs(c, {{"daemonize", "yes"}, {"foo", "bar"}}),
            kFailed + "'daemonize') - can't set immutable config");
  EXPECT_EQ(SetPairs(c, {{"foo", "bar"}, {"daemonize", "yes"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(SetPairs(c, {{"port", "1"}, {"port", "2"}}), kFailed + "'port') - duplicate parameter");
  EXPECT_EQ(SetPairs(c, {{"hz", "abc"}}),
            kFailed + "'hz') - argument couldn't be parsed into an integer");
  EXPECT_EQ(SetPairs(c, {{"hz", "-1"}}),
            kFailed + "'hz') - argument must be between 0 and 2147483647 inclusive");
  EXPECT_EQ(SetPairs(c, {{"maxclients", "0"}}),
            kFailed + "'maxclients') - argument must be between 1 and 4294967295 inclusive");
  EXPECT_EQ(SetPairs(c, {{"loglevel", "foo"}}),
            kFailed +
                "'loglevel') - argument(s) must be one of the following: debug, verbose, "
                "notice, warning");
  EXPECT_EQ(SetPairs(c, {{"save", "abc"}}), kFailed + "'save') - Invalid save parameters");
  EXPECT_EQ(SetPairs(c, {{"save", "5  3"}}), kFailed + "'save') - Invalid save parameters");
  EXPECT_EQ(SetPairs(c, {{"notify-keyspace-events", "Q"}}),
            kFailed +
                "'notify-keyspace-events') - Invalid event class character. Use "
                "'Ag$lshzxeKEtmdn'.");
  EXPECT_EQ(SetPairs(c, {{"dir", "/tmp"}}), kFailed + "'dir') - can't set protected config");
  EXPECT_EQ(SetPairs(c, {{"maxmemory-clients", "200%"}}),
            kFailed + "'maxmemory-clients') - percentage argument must be less or equal to 100");
  EXPECT_EQ(SetPairs(c, {{"maxmemory-clients", "-5%"}}),
            kFailed + "'maxmemory-clients') - argument must be a memory or percent value");
  EXPECT_EQ(SetPairs(c, {{"appendonly", "maybe"}}),
            kFailed + "'appendonly') - argument must be 'yes' or 'no'");
  EXPECT_EQ(SetPairs(c, {{"repl-backlog-size", "0"}}),
            kFailed +
                "'repl-backlog-size') - argument must be between 1 and "
                "9223372036854775807 inclusive");
  EXPECT_EQ(SetPairs(c, {{"oom-score-adj-values", "1 2"}}),
            kFailed + "'oom-score-adj-values') - wrong number of arguments");
  EXPECT_EQ(SetPairs(c, {{"oom-score-adj-values", "1 2 3000"}}),
            kFailed +
                "'oom-score-adj-values') - Invalid oom-score-adj-values, elements must be "
                "between -2000 and 2000.");
  EXPECT_EQ(SetPairs(c, {{"client-output-buffer-limit", "normal 1 2"}}),
            kFailed +
                "'client-output-buffer-limit') - Wrong number of arguments in buffer "
                "limit configuration.");
  EXPECT_EQ(SetPairs(c, {{"client-output-buffer-limit", "master 1 2 3"}}),
            kFailed +
                "'client-output-buffer-limit') - Invalid client class specified in buffer "
                "limit configuration.");
  EXPECT_EQ(SetPairs(c, {{"latency-tracking-info-percentiles", "101"}}),
            kFailed +
                "'latency-tracking-info-percentiles') - latency-tracking-info-percentiles "
                "parameters should sit between [0.0,100.0]");
  EXPECT_EQ(SetPairs(c, {{"proc-title-template", "{foo}"}}),
            kFailed +
                "'proc-title-template') - template format is invalid or contains unknown "
                "variables");
  for (const char* bad : {"0x10", " 5", "+5", "05", "1k"}) {
    EXPECT_EQ(SetPairs(c, {{"port", bad}}),
              kFailed + "'port') - argument couldn't be parsed into an integer")
        << bad;
  }
}

TEST(ConfigTest, SetIsAllOrNothing) {
  Config c;
  EXPECT_EQ(SetPairs(c, {{"maxmemory", "1mb"}, {"hz", "nope"}}).substr(0, 20),
            "ERR CONFIG SET faile");
  EXPECT_EQ(GetOne(c, "maxmemory"), "0");
  EXPECT_EQ(SetPairs(c, {{"maxmemory", "1mb"}, {"hz", "20"}}), "OK");
  EXPECT_EQ(GetOne(c, "maxmemory"), "1048576");
  EXPECT_EQ(c.Int("hz"), 20);
}

TEST(ConfigTest, ValuesAreFormattedAsRedisFormatsThem) {
  Config c;
  EXPECT_EQ(SetPairs(c, {{"maxmemory", "1GB"}}), "OK");
  EXPECT_EQ(GetOne(c, "maxmemory"), "1073741824");
  EXPECT_EQ(SetPairs(c, {{"maxmemory", ""}}), "OK");
  EXPECT_EQ(GetOne(c, "maxmemory"), "0");
  EXPECT_EQ(SetPairs(c, {{"maxmemory-clients", "5%"}}), "OK");
  EXPECT_EQ(GetOne(c, "maxmemory-clients"), "5%");
  EXPECT_EQ(SetPairs(c, {{"notify-keyspace-events", "nmKhg"}}), "OK");
  EXPECT_EQ(GetOne(c, "notify-keyspace-events"), "ghnKm");
  EXPECT_EQ(SetPairs(c, {{"notify-keyspace-events", "g$lshzxetd"}}), "OK");
  EXPECT_EQ(GetOne(c, "notify-keyspace-events"), "A");
  EXPECT_EQ(SetPairs(c, {{"notify-keyspace-events", "AKE"}}), "OK");
  EXPECT_EQ(GetOne(c, "notify-keyspace-events"), "AKE");
  EXPECT_EQ(SetPairs(c, {{"latency-tracking-info-percentiles", "1.5 99.99 100"}}), "OK");
  EXPECT_EQ(GetOne(c, "latency-tracking-info-percentiles"), "1.5 99.99 100");
  EXPECT_EQ(SetPairs(c, {{"client-output-buffer-limit", "pubsub 1mb 2k 5 replica 1 2 3"}}), "OK");
  EXPECT_EQ(GetOne(c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 1 2 3 pubsub 1048576 2000 5");
  EXPECT_EQ(SetPairs(c, {{"oom-score-adj", "relative"}}), "OK");
  EXPECT_EQ(GetOne(c, "oom-score-adj"), "yes");
  EXPECT_EQ(SetPairs(c, {{"loglevel", "WARNING"}}), "OK");
  EXPECT_EQ(GetOne(c, "loglevel"), "warning");
  EXPECT_EQ(SetPairs(c, {{"shutdown-on-sigint", "nosave now"}}), "OK");
  EXPECT_EQ(GetOne(c, "shutdown-on-sigint"), "nosave now");
  EXPECT_EQ(SetPairs(c, {{"save", "5 +3"}}), "OK");
  EXPECT_EQ(GetOne(c, "save"), "5 3");
  EXPECT_EQ(SetPairs(c, {{"save", ""}}), "OK");
  EXPECT_EQ(GetOne(c, "save"), "");
  EXPECT_EQ(SetPairs(c, {{"hz", "1000"}}), "OK");
  EXPECT_EQ(GetOne(c, "hz"), "500");  // clamped like Redis
  EXPECT_EQ(c.String("bind"), "* -::*");
  EXPECT_TRUE(c.Bool("protected-mode"));
  EXPECT_EQ(c.Int("proto-max-bulk-len"), 512 * 1024 * 1024);
}

TEST(ConfigTest, OnChangeFiresOnlyForChangedValues) {
  Config c;
  int port_calls = 0, hz_calls = 0;
  c.OnChange("port", [&] { ++port_calls; });
  c.OnChange("hz", [&] { ++hz_calls; });
  EXPECT_EQ(SetPairs(c, {{"port", "7000"}, {"hz", "10"}}), "OK");
  EXPECT_EQ(port_calls, 1);
  EXPECT_EQ(hz_calls, 0);  // 10 is already the value
  EXPECT_EQ(SetPairs(c, {{"port", "7001"}, {"hz", "bad"}}).substr(0, 4), "ERR ");
  EXPECT_EQ(port_calls, 1);
}

TEST(ConfigTest, IntParamReadsTheSameValueAsTheName) {
  static const Config::IntParam kBulk("proto-max-bulk-len");
  static const Config::IntParam kEntries("stream-node-max-entries");
  static const Config::IntParam kAppendOnly("appendonly");  // booleans are numbers too
  Config a;
  Config b;
  EXPECT_EQ(a.Int(kBulk), 512 * 1024 * 1024);
  EXPECT_EQ(a.Int(kEntries), 100);
  EXPECT_EQ(a.Int(kAppendOnly), 0);
  EXPECT_EQ(SetPairs(a, {{"proto-max-bulk-len", "1mb"}, {"stream-node-max-entries", "7"}}), "OK");
  EXPECT_EQ(a.Int(kBulk), 1024 * 1024);
  EXPECT_EQ(a.Int(kBulk), a.Int("proto-max-bulk-len"));
  EXPECT_EQ(a.Int(kEntries), 7);
  // One parameter handle serves every Config, each with its own value.
  EXPECT_EQ(b.Int(kEntries), 100);
}

TEST(ConfigTest, ProtectedConfigsFollowEnableProtectedConfigs) {
  Config c;
  ASSERT_EQ(LoadText(c, "enable-protected-configs local\n"), "OK");
  std::string err;
  std::pair<std::string_view, std::string_view> p[] = {{"dbfilename", "x.rdb"}};
  EXPECT_FALSE(c.Set(p, &err, Config::SetOptions{.local_client = false}));
  EXPECT_TRUE(c.Set(p, &err, Config::SetOptions{.local_client = true}));
  EXPECT_EQ(c.String("dbfilename"), "x.rdb");
}

TEST(ConfigFileTest, GrammarQuotesCommentsAndMultiArgLines) {
  Config c;
  EXPECT_EQ(LoadText(c,
                     "# comment\n"
                     "  PORT 7000  \r\n"
                     "\n"
                     "save 900 1\n"
                     "save 300 10\n"
                     "requirepass \"a b\\x41\"\n"
                     "masteruser 'it\\'s'\n"
                     "maxmemory 2mb\n"
                     "client-output-buffer-limit normal 0 0 0\n"
                     "client-output-buffer-limit replica 256mb 64mb 60\n"
                     "notify-keyspace-events \"\"\n"
                     "list-max-ziplist-entries 5\n"
                     "slaveof 10.0.0.1 6380\n"
                     "user alice on >pw ~* +@all\n"
                     "rename-command FLUSHALL \"\"\n"),
            "OK");
  EXPECT_EQ(c.Int("port"), 7000);
  EXPECT_EQ(c.String("save"), "900 1 300 10");
  EXPECT_EQ(c.String("requirepass"), "a bA");
  EXPECT_EQ(c.String("masteruser"), "it's");
  EXPECT_EQ(c.Int("maxmemory"), 2 * 1024 * 1024);
  EXPECT_EQ(GetOne(c, "slaveof"), "10.0.0.1 6380");
  ASSERT_EQ(c.user_directives().size(), 1u);
  EXPECT_THAT(c.user_directives()[0], ElementsAre("user", "alice", "on", ">pw", "~*", "+@all"));
  EXPECT_THAT(c.renamed_commands(), ElementsAre(Pair("FLUSHALL", "")));
  // Every parameter set works in Rill (maxmemory, client-output-buffer-limit,
  // notify-keyspace-events, and masteruser and replicaof since replication).
  EXPECT_THAT(c.NoEffectParameters(), ::testing::IsEmpty());
}

// The start-up log's "accepted but has no effect yet" lines name only parameters on the ignored
// list (server/config/ignored_params.h), never one that works, in the table's order.
TEST(ConfigFileTest, NoEffectParametersAreOnlyTheIgnoredOnes) {
  Config c;
  EXPECT_EQ(LoadText(c,
                     "maxmemory 1mb\n"
                     "maxmemory-policy allkeys-lru\n"
                     "maxmemory-samples 10\n"
                     "lfu-log-factor 5\n"
                     "slowlog-max-len 10\n"
                     "slowlog-log-slower-than 100\n"
                     "notify-keyspace-events KEA\n"
                     "list-max-ziplist-size -3\n"
                     "latency-monitor-threshold 10\n"
                     "stream-node-max-entries 50\n"
                     "stream-node-max-bytes 2048\n"
                     "tcp-backlog 128\n"
                     "supervised auto\n"
                     "io-threads 4\n"
                     "cluster-enabled no\n"
                     "slave-priority 50\n"),
            "OK");
  EXPECT_THAT(c.NoEffectParameters(), ElementsAre("cluster-enabled", "io-threads"));
}

TEST(ConfigFileTest, IgnoredListNamesCanonicalParameters) {
  const auto params = config_params::AllParams();
  ASSERT_GT(config_params::IgnoredParams().size(), 0u);
  for (std::string_view name : config_params::IgnoredParams()) {
    const bool found = std::any_of(params.begin(), params.end(),
                                   [&](const config_params::Param& p) { return p.name == name; });
    EXPECT_TRUE(found) << name << " is not a canonical parameter name";
    EXPECT_TRUE(config_params::IsIgnored(name));
  }
  EXPECT_FALSE(config_params::IsIgnored("maxmemory"));
  EXPECT_FALSE(config_params::IsIgnored("list-max-ziplist-size"));  // an alias is never listed
}

TEST(ConfigFileTest, EmptySaveDisablesSnapshots) {
  Config c;
  EXPECT_EQ(LoadText(c, "save \"\"\n"), "OK");
  EXPECT_EQ(c.String("save"), "");
}

TEST(ConfigFileTest, ErrorsNameTheLineAsRedisDoes) {
  Config c;
  EXPECT_EQ(LoadText(c, "port 7400\nfoo bar\n"),
            Fatal(2, "foo bar", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(LoadText(c, "save \"unbalanced\n"),
            Fatal(1, "save \"unbalanced", "Unbalanced quotes in configuration line"));
  EXPECT_EQ(LoadText(c, "port 1 2\n"), Fatal(1, "port 1 2", "wrong number of arguments"));
  EXPECT_EQ(LoadText(c, "user\n"), Fatal(1, "user", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(LoadText(c, "\n\nport abc\n"),
            Fatal(3, "port abc", "argument couldn't be parsed into an integer"));
  EXPECT_EQ(LoadText(c, "sentinel monitor x\n"),
            Fatal(1, "sentinel monitor x", "sentinel directive while not in sentinel mode"));
  EXPECT_EQ(LoadText(c, "include /nonexistent-rill.conf\n"),
            "Fatal error, can't open config file '/nonexistent-rill.conf': No such file or "
            "directory\n");
  EXPECT_EQ(LoadText(c, "loadmodule /nope.so\n"),
            "Module /nope.so failed to load: /nope.so: cannot open shared object file: No such "
            "file or directory\n");
}

TEST(ConfigArgsTest, CommandLineBecomesConfigLines) {
  // redis-server quotes each value and starts a new line per --option; the options follow the
  // (here empty) file on line 2.
  {
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", "--port", "abc"}),
              Fatal(2, "port \"abc\"", "argument couldn't be parsed into an integer"));
  }
  {
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", "--foo", "bar"}),
              Fatal(2, "foo \"bar\"", "Bad directive or wrong number of arguments"));
  }
  {
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", "--port"}),
              Fatal(2, "port", "wrong number of arguments"));
  }
  {
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", "--port", "--save", ""}),
              Fatal(2, "port \"--save\" \"\"", "wrong number of arguments"));
  }
  {
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", "--save", "--port", "abc"}),
              Fatal(3, "port \"abc\"", "argument couldn't be parsed into an integer"));
  }
  {
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", "--port", "0", "extra", "args", "--hz", "x"}),
              Fatal(2, "port \"0\" \"extra\" \"args\"", "wrong number of arguments"));
  }
  {
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", "--port 7005", "--save"}), "OK");
    EXPECT_EQ(c.Int("port"), 7005);
    EXPECT_EQ(c.String("save"), "");
  }
  {
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", "--PORT", "7006", "--maxmemory", "1kb"}), "OK");
    EXPECT_EQ(c.Int("port"), 7006);
    EXPECT_EQ(c.Int("maxmemory"), 1024);
    EXPECT_TRUE(c.config_file().empty());
  }
}

TEST(ConfigArgsTest, ConfigFileThenOptions) {
  char path[] = "/tmp/rill_config_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(path);
    f << "port 7100\nsave 10 1\n";
  }
  {
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", path, "--port", "7200"}), "OK");
    EXPECT_EQ(c.Int("port"), 7200);
    EXPECT_EQ(c.String("save"), "10 1");
    EXPECT_EQ(c.config_file(), path);
  }
  {
    // file lines 1-2, the empty line 3 the file's last newline leaves, options from line 4
    Config c;
    EXPECT_EQ(LoadArgs(c, {"rill-server", path, "--foo", "1"}),
              Fatal(4, "foo \"1\"", "Bad directive or wrong number of arguments"));
  }
  {
    Config c;
    ASSERT_EQ(LoadArgs(c, {"rill-server", path}), "OK");
    std::pair<std::string_view, std::string_view> p[] = {{"maxmemory", "2mb"}, {"port", "7300"}};
    std::string err;
    ASSERT_TRUE(c.Set(p, &err));
    ASSERT_TRUE(c.Rewrite(&err)) << err;
    Config reloaded;
    EXPECT_EQ(LoadArgs(reloaded, {"rill-server", path}), "OK");
    EXPECT_EQ(reloaded.Int("port"), 7300);
    EXPECT_EQ(reloaded.Int("maxmemory"), 2 * 1024 * 1024);
    EXPECT_EQ(reloaded.String("save"), "10 1");
  }
  std::remove(path);
  Config nofile;
  std::string err;
  EXPECT_FALSE(nofile.Rewrite(&err));
  EXPECT_EQ(err, "ERR The server is running without a config file");
  EXPECT_EQ(LoadArgs(nofile, {"rill-server", "/nonexistent/rill.conf"}),
            "Fatal error, can't open config file '/nonexistent/rill.conf': No such file or "
            "directory\n");
}

// Debian's stock /etc/redis/redis.conf must load unchanged.
TEST(ConfigFileTest, DebianStockConfigLoads) {
  std::ifstream f("/etc/redis/redis.conf");
  if (!f) GTEST_SKIP() << "/etc/redis/redis.conf not installed";
  // The file says "dir /var/lib/redis", which redis-server itself can only enter as root or
  // as the redis user.
  if (access("/var/lib/redis", X_OK) != 0) GTEST_SKIP() << "/var/lib/redis not accessible";
  std::stringstream text;
  text << f.rdbuf();
  Config c;
  std::string err;
  ASSERT_TRUE(c.LoadFromString(text.str(), &err)) << err;
  EXPECT_EQ(c.String("bind"), "127.0.0.1 -::1");
  EXPECT_TRUE(c.Bool("daemonize"));
  EXPECT_EQ(c.String("pidfile"), "/run/redis/redis-server.pid");
  EXPECT_EQ(c.String("client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
}

TEST(ConfigSyntaxTest, SplitArgsFollowsSdsSplitArgs) {
  using config_syntax::SplitArgs;
  EXPECT_THAT(*SplitArgs("a  \"b c\" 'd\\'e' \"\\x41\\n\""), ElementsAre("a", "b c", "d'e", "A\n"));
  EXPECT_FALSE(SplitArgs("\"abc\"def").has_value());
  EXPECT_FALSE(SplitArgs("'abc").has_value());
  EXPECT_TRUE(SplitArgs("   ")->empty());
}

TEST(ConfigSyntaxTest, MemoryUnits) {
  using config_syntax::ParseMemory;
  EXPECT_EQ(*ParseMemory("1k"), 1000u);
  EXPECT_EQ(*ParseMemory("1KB"), 1024u);
  EXPECT_EQ(*ParseMemory("3m"), 3000000u);
  EXPECT_EQ(*ParseMemory("3Mb"), 3u * 1024 * 1024);
  EXPECT_EQ(*ParseMemory("2g"), 2000000000u);
  EXPECT_EQ(*ParseMemory("2gB"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(*ParseMemory("7b"), 7u);
  EXPECT_FALSE(ParseMemory("-1").has_value());
  EXPECT_FALSE(ParseMemory("1.5gb").has_value());
  EXPECT_FALSE(ParseMemory("1x").has_value());
}

}  // namespace
}  // namespace rill

namespace rill {
namespace {

// A CONFIG SET whose later parameter fails to apply undoes the whole set, and the appliers that
// already acted on the new values act again on the restored ones (CONFIG SET port N with a
// failing parameter must leave the listener on the old port).
TEST(ConfigApplyTest, FailedApplyReappliesTheOldValuesToEarlierAppliers) {
  Config c;
  std::vector<int64_t> ports_applied;
  c.OnApply("port", [&](std::string*) {
    ports_applied.push_back(c.Int("port"));
    return true;
  });
  c.OnApply("maxclients", [](std::string* why) {
    *why = "no";
    return false;
  });
  EXPECT_EQ(SetPairs(c, {{"port", "7000"}, {"maxclients", "50"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - no");
  EXPECT_EQ(c.Int("port"), 6379);
  EXPECT_EQ(ports_applied, (std::vector<int64_t>{7000, 6379}));
  // The failing one first: nothing else was applied, nothing is re-applied.
  ports_applied.clear();
  EXPECT_EQ(SetPairs(c, {{"maxclients", "50"}, {"port", "7000"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - no");
  EXPECT_TRUE(ports_applied.empty());
}

}  // namespace
}  // namespace rill
