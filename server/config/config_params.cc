#include "server/config/config_params.h"

#include <climits>
#include <cstdint>

namespace rill::config_params {
namespace {

constexpr uint32_t I = kImmutable;
constexpr uint32_t P = kProtected;
constexpr uint32_t S = kSensitive;
constexpr uint32_t H = kHidden;
constexpr uint32_t M = kMultiArg;
constexpr uint32_t U = kUnsigned;
constexpr uint32_t MEM = kMemory;

constexpr int64_t kIntMax = INT_MAX;
constexpr int64_t kIntMin = INT_MIN;
constexpr int64_t kLongMax = LLONG_MAX;
constexpr int64_t kUIntMax = static_cast<int64_t>(UINT_MAX);
constexpr int64_t kULLongMax = static_cast<int64_t>(ULLONG_MAX);  // bit pattern, with kUnsigned
constexpr int64_t kMb = 1024 * 1024;

constexpr Param Bool(std::string_view name, std::string_view alias, uint32_t flags, bool def,
                     Validator v = Validator::kNone) {
  return Param{name, alias, Type::kBool, flags, 0, 1, def ? 1 : 0, {}, {}, v};
}
constexpr Param Num(std::string_view name, std::string_view alias, uint32_t flags, int64_t lo,
                    int64_t hi, int64_t def) {
  return Param{name, alias, Type::kNumeric, flags, lo, hi, def};
}
constexpr Param Str(std::string_view name, std::string_view alias, uint32_t flags,
                    std::string_view def, Validator v = Validator::kNone) {
  return Param{name, alias, Type::kString, flags, 0, 0, 0, def, {}, v};
}
constexpr Param Enum(std::string_view name, uint32_t flags, std::span<const EnumValue> values,
                     int64_t def) {
  return Param{name, {}, Type::kEnum, flags, 0, 0, def, {}, values};
}
constexpr Param Special(std::string_view name, std::string_view alias, uint32_t flags,
                        std::string_view def) {
  return Param{name, alias, Type::kSpecial, flags, 0, 0, 0, def};
}

constexpr EnumValue kSupervised[] = {{"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}};
constexpr EnumValue kSyslogFacility[] = {{"user", 8},     {"local0", 128}, {"local1", 136},
                                         {"local2", 144}, {"local3", 152}, {"local4", 160},
                                         {"local5", 168}, {"local6", 176}, {"local7", 184}};
constexpr EnumValue kDisklessLoad[] = {{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}};
constexpr EnumValue kLoglevel[] = {{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}};
constexpr EnumValue kMaxmemoryPolicy[] = {
    {"volatile-lru", 0}, {"volatile-lfu", 1}, {"volatile-random", 2}, {"volatile-ttl", 3},
    {"allkeys-lru", 4},  {"allkeys-lfu", 5},  {"allkeys-random", 6},  {"noeviction", 7}};
constexpr EnumValue kAppendfsync[] = {{"everysec", 2}, {"always", 1}, {"no", 0}};
// "yes" is the old spelling of "relative": both map to one value, printed as "yes".
constexpr EnumValue kOomScoreAdj[] = {{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}};
constexpr EnumValue kAclPubsubDefault[] = {{"allchannels", 1}, {"resetchannels", 0}};
constexpr EnumValue kSanitizeDump[] = {{"no", 0}, {"yes", 1}, {"clients", 2}};
constexpr EnumValue kProtectedAction[] = {{"no", 0}, {"yes", 1}, {"local", 2}};
constexpr EnumValue kEndpointType[] = {{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}};
constexpr EnumValue kPropagationError[] = {{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}};
constexpr EnumValue kShutdownOnSignal[] = {
    {"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}};
constexpr EnumValue kTlsAuthClients[] = {{"no", 0}, {"yes", 1}, {"optional", 2}};

constexpr Param kParams[] = {
    // Booleans.
    Bool("rdbchecksum", {}, I, true),
    Bool("daemonize", {}, I, false),
    Bool("io-threads-do-reads", {}, I, false),
    // Rill's own (issue 24): the event loop on io_uring instead of epoll. Hidden: CONFIG GET *
    // lists what Redis 7.0 lists.
    Bool("io-uring", {}, I | H, true),
    Bool("always-show-logo", {}, I, false),
    Bool("protected-mode", {}, 0, true),
    Bool("rdbcompression", {}, 0, true),
    Bool("rdb-del-sync-files", {}, 0, false),
    Bool("activerehashing", {}, 0, true),
    Bool("stop-writes-on-bgsave-error", {}, 0, true),
    Bool("set-proc-title", {}, I, true),
    Bool("dynamic-hz", {}, 0, true),
    Bool("lazyfree-lazy-eviction", {}, 0, false),
    Bool("lazyfree-lazy-expire", {}, 0, false),
    Bool("lazyfree-lazy-server-del", {}, 0, false),
    Bool("lazyfree-lazy-user-del", {}, 0, false),
    Bool("lazyfree-lazy-user-flush", {}, 0, false),
    Bool("repl-disable-tcp-nodelay", {}, 0, false),
    Bool("repl-diskless-sync", {}, 0, true),
    Bool("aof-rewrite-incremental-fsync", {}, 0, true),
    Bool("no-appendfsync-on-rewrite", {}, 0, false),
    Bool("cluster-require-full-coverage", {}, 0, true),
    Bool("rdb-save-incremental-fsync", {}, 0, true),
    Bool("aof-load-truncated", {}, 0, true),
    Bool("aof-use-rdb-preamble", {}, 0, true),
    Bool("aof-timestamp-enabled", {}, 0, false),
    Bool("cluster-replica-no-failover", "cluster-slave-no-failover", 0, false),
    Bool("replica-lazy-flush", "slave-lazy-flush", 0, false),
    Bool("replica-serve-stale-data", "slave-serve-stale-data", 0, true),
    Bool("replica-read-only", "slave-read-only", 0, true),
    Bool("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true),
    Bool("jemalloc-bg-thread", {}, 0, true),
    Bool("activedefrag", {}, 0, false, Validator::kActiveDefrag),
    Bool("syslog-enabled", {}, I, false),
    Bool("cluster-enabled", {}, I, false),
    Bool("appendonly", {}, kDenyLoading, false),
    Bool("cluster-allow-reads-when-down", {}, 0, false),
    Bool("cluster-allow-pubsubshard-when-down", {}, 0, true),
    Bool("crash-log-enabled", {}, 0, true),
    Bool("crash-memcheck-enabled", {}, 0, true),
    Bool("use-exit-on-panic", {}, H, false),
    Bool("disable-thp", {}, I, true),
    Bool("cluster-allow-replica-migration", {}, 0, true),
    Bool("replica-announced", {}, 0, true),
    Bool("latency-tracking", {}, 0, true),
    Bool("aof-disable-auto-gc", {}, 0, false),
    Bool("replica-ignore-disk-write-errors", {}, 0, false),

    // Strings.
    Str("aclfile", {}, I, ""),
    Str("unixsocket", {}, I, ""),
    Str("pidfile", {}, I, ""),
    Str("replica-announce-ip", "slave-announce-ip", 0, ""),
    Str("masteruser", {}, S, ""),
    Str("cluster-announce-ip", {}, 0, ""),
    Str("cluster-config-file", {}, I, "nodes.conf"),
    Str("cluster-announce-hostname", {}, 0, "", Validator::kHostname),
    Str("syslog-ident", {}, I, "redis"),
    Str("dbfilename", {}, P, "dump.rdb", Validator::kDbFilename),
    Str("appendfilename", {}, I, "appendonly.aof", Validator::kAofFilename),
    Str("appenddirname", {}, I, "appendonlydir", Validator::kAofDirname),
    Str("server_cpulist", {}, I, ""),
    Str("bio_cpulist", {}, I, ""),
    Str("aof_rewrite_cpulist", {}, I, ""),
    Str("bgsave_cpulist", {}, I, ""),
    Str("ignore-warnings", {}, 0, ""),
    Str("proc-title-template", {}, 0, "{title} {listen-addr} {server-mode}",
        Validator::kProcTitleTemplate),
    Str("bind-source-addr", {}, 0, ""),
    Str("logfile", {}, I, ""),
    Str("masterauth", {}, S, ""),
    Str("requirepass", {}, S, ""),

    // Enums.
    Enum("supervised", I, kSupervised, 0),
    Enum("syslog-facility", I, kSyslogFacility, 128),
    Enum("repl-diskless-load", kDenyLoading, kDisklessLoad, 0),
    Enum("loglevel", 0, kLoglevel, 2),
    Enum("maxmemory-policy", 0, kMaxmemoryPolicy, 7),
    Enum("appendfsync", 0, kAppendfsync, 2),
    Enum("oom-score-adj", 0, kOomScoreAdj, 0),
    Enum("acl-pubsub-default", 0, kAclPubsubDefault, 0),
    Enum("sanitize-dump-payload", 0, kSanitizeDump, 0),
    Enum("enable-protected-configs", I, kProtectedAction, 0),
    Enum("enable-debug-command", I, kProtectedAction, 0),
    Enum("enable-module-command", I, kProtectedAction, 0),
    Enum("cluster-preferred-endpoint-type", 0, kEndpointType, 0),
    Enum("propagation-error-behavior", 0, kPropagationError, 0),
    Enum("shutdown-on-sigint", M | kFlagEnum, kShutdownOnSignal, 0),
    Enum("shutdown-on-sigterm", M | kFlagEnum, kShutdownOnSignal, 0),

    // Signed integers.
    Num("databases", {}, I, 1, kIntMax, 16),
    Num("port", {}, 0, 0, 65535, 6379),
    Num("io-threads", {}, I, 1, 128, 1),
    Num("auto-aof-rewrite-percentage", {}, 0, 0, kIntMax, 100),
    Num("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, 0, kIntMax, 10),
    Num("list-max-listpack-size", "list-max-ziplist-size", 0, kIntMin, kIntMax, -2),
    Num("tcp-keepalive", {}, 0, 0, kIntMax, 300),
    Num("cluster-migration-barrier", {}, 0, 0, kIntMax, 1),
    Num("active-defrag-cycle-min", {}, 0, 1, 99, 1),
    Num("active-defrag-cycle-max", {}, 0, 1, 99, 25),
    Num("active-defrag-threshold-lower", {}, 0, 0, 1000, 10),
    Num("active-defrag-threshold-upper", {}, 0, 0, 1000, 100),
    Num("lfu-log-factor", {}, 0, 0, kIntMax, 10),
    Num("lfu-decay-time", {}, 0, 0, kIntMax, 1),
    Num("replica-priority", "slave-priority", 0, 0, kIntMax, 100),
    Num("repl-diskless-sync-delay", {}, 0, 0, kIntMax, 5),
    Num("maxmemory-samples", {}, 0, 1, kIntMax, 5),
    Num("maxmemory-eviction-tenacity", {}, 0, 0, 100, 10),
    Num("timeout", {}, 0, 0, kIntMax, 0),
    Num("replica-announce-port", "slave-announce-port", 0, 0, 65535, 0),
    Num("tcp-backlog", {}, I, 0, kIntMax, 511),
    Num("cluster-port", {}, I, 0, 65535, 0),
    Num("cluster-announce-bus-port", {}, 0, 0, 65535, 0),
    Num("cluster-announce-port", {}, 0, 0, 65535, 0),
    Num("cluster-announce-tls-port", {}, 0, 0, 65535, 0),
    Num("repl-timeout", {}, 0, 1, kIntMax, 60),
    Num("repl-ping-replica-period", "repl-ping-slave-period", 0, 1, kIntMax, 10),
    Num("list-compress-depth", {}, 0, 0, kIntMax, 0),
    Num("rdb-key-save-delay", {}, H, kIntMin, kIntMax, 0),
    Num("key-load-delay", {}, H, kIntMin, kIntMax, 0),
    Num("active-expire-effort", {}, 0, 1, 10, 1),
    Num("hz", {}, 0, 0, kIntMax, 10),
    Num("min-replicas-to-write", "min-slaves-to-write", 0, 0, kIntMax, 0),
    Num("min-replicas-max-lag", "min-slaves-max-lag", 0, 0, kIntMax, 10),
    Num("watchdog-period", {}, H, 0, kIntMax, 0),
    Num("shutdown-timeout", {}, 0, 0, kIntMax, 10),
    Num("repl-diskless-sync-max-replicas", {}, 0, 0, kIntMax, 0),
    Num("tls-port", {}, 0, 0, 65535, 0),
    Num("tls-session-cache-size", {}, 0, 0, kIntMax, 20 * 1024),
    Num("tls-session-cache-timeout", {}, 0, 0, kIntMax, 300),

    // Unsigned integers.
    Num("maxclients", {}, U, 1, kUIntMax, 10000),
    Num("unixsocketperm", {}, I | U | kOctal, 0, 0777, 0),
    Num("socket-mark-id", {}, I | U, 0, kUIntMax, 0),
    Num("active-defrag-max-scan-fields", {}, 0, 1, kLongMax, 1000),
    Num("slowlog-max-len", {}, 0, 0, kLongMax, 128),
    Num("acllog-max-len", {}, 0, 0, kLongMax, 128),

    // 64-bit integers and byte counts.
    Num("busy-reply-threshold", "lua-time-limit", 0, 0, kLongMax, 5000),
    Num("cluster-node-timeout", {}, 0, 0, kLongMax, 15000),
    Num("slowlog-log-slower-than", {}, 0, -1, kLongMax, 10000),
    Num("latency-monitor-threshold", {}, 0, 0, kLongMax, 0),
    Num("proto-max-bulk-len", {}, MEM, kMb, kLongMax, 512 * kMb),
    Num("stream-node-max-entries", {}, 0, 0, kLongMax, 100),
    Num("repl-backlog-size", {}, MEM, 1, kLongMax, kMb),
    Num("maxmemory", {}, MEM | U, 0, kULLongMax, 0),
    Num("cluster-link-sendbuf-limit", {}, MEM | U, 0, kULLongMax, 0),
    Num("hash-max-listpack-entries", "hash-max-ziplist-entries", U, 0, kLongMax, 512),
    Num("set-max-intset-entries", {}, U, 0, kLongMax, 512),
    Num("zset-max-listpack-entries", "zset-max-ziplist-entries", U, 0, kLongMax, 128),
    Num("active-defrag-ignore-bytes", {}, MEM | U, 1, kLongMax, 100 * kMb),
    Num("hash-max-listpack-value", "hash-max-ziplist-value", MEM | U, 0, kLongMax, 64),
    Num("stream-node-max-bytes", {}, MEM | U, 0, kLongMax, 4096),
    Num("zset-max-listpack-value", "zset-max-ziplist-value", MEM | U, 0, kLongMax, 64),
    Num("hll-sparse-max-bytes", {}, MEM | U, 0, kLongMax, 3000),
    Num("tracking-table-max-keys", {}, U, 0, kLongMax, 1000000),
    Num("client-query-buffer-limit", {}, MEM | U, kMb, kLongMax, 1024 * kMb),
    Num("maxmemory-clients", {}, MEM | kPercent, -100, kLongMax, 0),
    Num("repl-backlog-ttl", {}, 0, 0, kLongMax, 3600),
    Num("auto-aof-rewrite-min-size", {}, MEM, 0, kLongMax, 64 * kMb),
    Num("loading-process-events-interval-bytes", {}, H, 1024, kIntMax, 2 * kMb),

    // TLS (Rill has no TLS yet; the parameters exist so configs written for Redis load).
    Bool("tls-cluster", {}, 0, false),
    Bool("tls-replication", {}, 0, false),
    Enum("tls-auth-clients", 0, kTlsAuthClients, 1),
    Bool("tls-prefer-server-ciphers", {}, 0, false),
    Bool("tls-session-caching", {}, 0, true),
    Str("tls-cert-file", {}, 0, ""),
    Str("tls-key-file", {}, 0, ""),
    Str("tls-key-file-pass", {}, 0, ""),
    Str("tls-client-cert-file", {}, 0, ""),
    Str("tls-client-key-file", {}, 0, ""),
    Str("tls-client-key-file-pass", {}, 0, ""),
    Str("tls-dh-params-file", {}, 0, ""),
    Str("tls-ca-cert-file", {}, 0, ""),
    Str("tls-ca-cert-dir", {}, 0, ""),
    Str("tls-protocols", {}, 0, ""),
    Str("tls-ciphers", {}, 0, ""),
    Str("tls-ciphersuites", {}, 0, ""),

    // Own syntax. "dir" defaults to the working directory at start (filled in by Config).
    Special("dir", {}, P | kDenyLoading, ""),
    Special("save", {}, M, "3600 1 300 100 60 10000"),
    Special("client-output-buffer-limit", {}, M,
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    Special("oom-score-adj-values", {}, M, "0 200 800"),
    Special("notify-keyspace-events", {}, 0, ""),
    Special("bind", {}, M, "* -::*"),
    Special("replicaof", "slaveof", I | M, ""),
    Special("latency-tracking-info-percentiles", {}, M, "50 99 99.9"),
};

}  // namespace

std::span<const Param> AllParams() { return kParams; }

}  // namespace rill::config_params
