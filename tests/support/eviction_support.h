// Helpers for tests that drive a server over its memory limit: pipelined loads, INFO fields,
// key counts and the process's resident memory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/resp_client.h"

namespace rill::testing {

// Sends every command in one write and reads all replies; returns the number of error replies.
int Pipeline(RespClient& client, const std::vector<std::vector<std::string>>& commands);

// The integer value of `field` in INFO `section`, or -1 when absent.
int64_t InfoInt(RespClient& client, const std::string& section, const std::string& field);

// How many of prefix:0 .. prefix:(n-1) exist (EXISTS, which is no access for LRU/LFU).
int CountExisting(RespClient& client, const std::string& prefix, int n);
// Same for prefix:from .. prefix:(to-1).
int CountExistingRange(RespClient& client, const std::string& prefix, int from, int to);

// "prefix:i", with i zero-padded to `width` digits when width > 0.
std::string FixedKey(const std::string& prefix, int i, int width = 0);

// SET prefix:i <value of `bytes` bytes> for i in [from, to), pipelined in batches. Extra
// arguments (e.g. {"EX", "1000"}) go after the value; `fixed_width` as FixedKey's. Returns the
// number of error replies.
int SetKeys(RespClient& client, const std::string& prefix, int from, int to, size_t bytes,
            const std::vector<std::string>& extra = {}, int fixed_width = 0);

// VmRSS of a process, in bytes (0 if it cannot be read).
uint64_t ResidentBytesOf(pid_t pid);

}  // namespace rill::testing
