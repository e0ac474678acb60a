#include "server/config/ignored_params.h"

#include <algorithm>

namespace rill::config_params {
namespace {

// tools/check_config_params.py reads this array: keep it one array of string literals.
constexpr std::string_view kIgnoredParams[] = {
    // Replication: what Rill's replication does not act on yet.
    "repl-disable-tcp-nodelay",
    "replica-ignore-disk-write-errors",
    // Cluster mode.
    "cluster-require-full-coverage",
    "cluster-replica-no-failover",
    "cluster-enabled",
    "cluster-allow-reads-when-down",
    "cluster-allow-pubsubshard-when-down",
    "cluster-allow-replica-migration",
    "cluster-announce-ip",
    "cluster-config-file",
    "cluster-announce-hostname",
    "cluster-preferred-endpoint-type",
    "cluster-replica-validity-factor",
    "cluster-migration-barrier",
    "cluster-port",
    "cluster-announce-bus-port",
    "cluster-announce-port",
    "cluster-announce-tls-port",
    "cluster-node-timeout",
    "cluster-link-sendbuf-limit",
    // TLS (Rill listens in clear text only).
    "tls-port",
    "tls-session-cache-size",
    "tls-session-cache-timeout",
    "tls-cluster",
    "tls-replication",
    "tls-auth-clients",
    "tls-prefer-server-ciphers",
    "tls-session-caching",
    "tls-cert-file",
    "tls-key-file",
    "tls-key-file-pass",
    "tls-client-cert-file",
    "tls-client-key-file",
    "tls-client-key-file-pass",
    "tls-dh-params-file",
    "tls-ca-cert-file",
    "tls-ca-cert-dir",
    "tls-protocols",
    "tls-ciphers",
    "tls-ciphersuites",
    // Active defragmentation, the lazy freeing of server deletions and flushes, I/O threads and
    // rehashing: Rill frees those in the command that deletes, with glibc's malloc, on one thread.
    "io-threads-do-reads",
    "activerehashing",
    "dynamic-hz",
    "jemalloc-bg-thread",
    "activedefrag",
    "io-threads",
    "active-defrag-cycle-min",
    "active-defrag-cycle-max",
    "active-defrag-threshold-lower",
    "active-defrag-threshold-upper",
    "active-expire-effort",
    "active-defrag-max-scan-fields",
    "active-defrag-ignore-bytes",
    // Process, logging and operations details Rill does not implement yet (syslog, Unix
    // sockets, CPU lists, OOM score, crash reports, script time limits ...).
    "always-show-logo",
    "set-proc-title",
    "syslog-enabled",
    "crash-log-enabled",
    "crash-memcheck-enabled",
    "use-exit-on-panic",
    "disable-thp",
    "unixsocket",
    "syslog-ident",
    "server_cpulist",
    "bio_cpulist",
    "aof_rewrite_cpulist",
    "bgsave_cpulist",
    "ignore-warnings",
    "proc-title-template",
    "syslog-facility",
    "oom-score-adj",
    "sanitize-dump-payload",
    "enable-module-command",
    "propagation-error-behavior",
    "key-load-delay",
    "watchdog-period",
    "shutdown-timeout",
    "unixsocketperm",
    "socket-mark-id",
    "loading-process-events-interval-bytes",
    "oom-score-adj-values",
};

}  // namespace

std::span<const std::string_view> IgnoredParams() { return kIgnoredParams; }

bool IsIgnored(std::string_view canonical_name) {
  return std::find(std::begin(kIgnoredParams), std::end(kIgnoredParams), canonical_name) !=
         std::end(kIgnoredParams);
}

}  // namespace rill::config_params
