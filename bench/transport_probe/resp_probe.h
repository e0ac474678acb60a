// The command side of the transport probes (bench/transport_probe, issue 24): just enough RESP
// to answer redis-benchmark's PING_INLINE, PING_MBULK, SET and GET rows and redis-benchmark's
// start-up CONFIG GETs, over a tiny hash map. Every probe (Asio on epoll, Asio on io_uring,
// direct liburing) runs this same code, so what differs between them is the transport alone.
//
// Replies are byte-identical to redis-server 7.0's for what the probe answers (PING [msg],
// SET key value, GET key, unknown commands); bench/transport_probe/probe_check.py holds them to
// redis-server's bytes. Nothing else of Redis is here: no options, no expiry, no types.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace rill::probe {

using Store = absl::flat_hash_map<std::string, std::string>;

// Returned by Execute when the input is not RESP the probe can parse: the caller closes the
// connection (redis-server answers a protocol error first; the probes never see one from
// redis-benchmark).
inline constexpr size_t kProtocolError = static_cast<size_t>(-1);

// Parses every complete command at the front of `in` (multi-bulk or inline), runs it on `store`
// and appends its reply to `out`. Returns the bytes consumed (a partial command at the end is
// left for the next call, with more bytes) or kProtocolError.
size_t Execute(std::string_view in, std::string* out, Store* store);

// Parses the probes' command line: `--port N`; every other `--name value` pair is accepted
// and ignored, so a harness may start a probe with redis-server's flags. Returns the port, or
// -1 after printing why to stderr.
int ParsePort(int argc, char** argv);

}  // namespace rill::probe
