// What rill_load sends: redis-benchmark's named tests (-t) with the same commands, keys and
// payload bytes, or an arbitrary command, each encoded once as RESP and repeated `pipeline`
// times in one batch whose __rand_int__ placeholders are rewritten in place per batch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rill::load {

struct Workload {
  std::string title;       // the row name redis-benchmark prints (its --csv "test" column)
  std::string command;     // one request, RESP-encoded (inline for PING_INLINE)
  char expected_type = 0;  // first byte every reply must have ('$' admits nil), 0: any
};

// One multi-bulk request.
std::string EncodeCommand(const std::vector<std::string>& args);

// The tests named in `list` (comma separated, case-insensitive; "ping" is ping_inline and
// ping_mbulk, as in redis-benchmark), in redis-benchmark's order. `random_keys` (-r given)
// makes ZADD's score __rand_int__ as redis-benchmark does; `data_size` is -d. Empty with
// *error set when a name is unknown.
std::vector<Workload> SelectTests(const std::string& list, bool random_keys, int data_size,
                                  std::string* error);

// An arbitrary command (the arguments after the options); its title is them joined by spaces.
Workload CustomWorkload(const std::vector<std::string>& args);

// `pipeline` copies of `command` and the offsets of every __rand_int__ in them.
struct Batch {
  std::string bytes;
  std::vector<uint32_t> placeholders;
};
Batch BuildBatch(const std::string& command, int pipeline);

// Writes a 12-digit zero-padded number below `keyspace` over each placeholder (redis-benchmark's
// substitution); `next_random` is the caller's generator state (xorshift64*).
void FillPlaceholders(char* bytes, const std::vector<uint32_t>& placeholders, uint64_t keyspace,
                      uint64_t* next_random);

}  // namespace rill::load
