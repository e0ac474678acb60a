// Helpers for append-only file tests: the commands a server logged in its AOF directory (read
// through its manifest), redis-check-aof, and the normalisation that makes two servers' logs
// comparable command by command.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rill::testing {

using AofCommand = std::vector<std::string>;

// The manifest of `aof_dir` (appendonly.aof.manifest); "" if missing.
std::string ReadManifest(const std::string& aof_dir);
// Every command of the INCR files the manifest of `aof_dir` lists, in order (not the BASE).
// Fails the calling test (gtest) if a file does not parse completely.
std::vector<AofCommand> ReadIncrCommands(const std::string& aof_dir);
// The commands of one AOF-format file.
std::vector<AofCommand> ReadAofFile(const std::string& path);

// Runs redis-check-aof on the manifest of `aof_dir`; true if it says every file is valid.
bool RedisCheckAof(const std::string& aof_dir, std::string* output);

// What legitimately differs between two servers given the same commands: absolute times taken
// from each server's clock. Integers within a day of `now_ms` become "<ms>", stream IDs whose
// time part is within a day of it become "<ms>-<seq>" (the sequence depends on how many IDs
// fell in the same millisecond on each side).
AofCommand NormalizeTimes(const AofCommand& command, int64_t now_ms);

// The same for free text (a reply): every run of digits within a day of `now_ms` becomes
// "<ms>", and the sequence after it "<seq>".
std::string NormalizeTimesInText(const std::string& text, int64_t now_ms);

// A keyspace description (keyspace_snapshot.h) with consumers' seen-time masked: an AOF
// replays consumer state with XCLAIM / XGROUP CREATECONSUMER, which set it to the time of the
// replay, in Redis as in Rill.
std::string MaskSeenTimes(const std::string& description);
// Also masks consumer groups' entries-read and lag. Redis 7.0 logs a group read as XCLAIMs,
// which do not carry the group's read counter, so a replayed AOF can end with a different
// counter than the server that wrote it (redis-server 7.0.15 does the same; 7.2 changed it).
// Where Rill and Redis both replay the same file, compare without this mask.
std::string MaskAofReplayDrift(const std::string& description);

// One line per command ("SET k v"), for readable failure output.
std::string FormatCommands(const std::vector<AofCommand>& commands);

int64_t WallClockMs();

}  // namespace rill::testing
