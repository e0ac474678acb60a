// The manifest of Redis 7.0's multi-part append-only directory (`appenddirname`, default
// "appendonlydir").
//
// The directory holds one BASE file (a snapshot from the last rewrite, RDB or AOF commands),
// INCR files (commands logged since, in sequence order) and HISTORY files (BASE/INCR files a
// rewrite made obsolete, removed once the new manifest is on disk). The manifest lists them, one
// file per line, base first, then history, then incr:
//
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.1.incr.aof seq 1 type h
//   file appendonly.aof.2.incr.aof seq 2 type i
//
// Each line is key/value pairs split with Redis's sdssplitargs rules (a name with spaces or odd
// bytes is written in double quotes); unknown keys are ignored for forward compatibility, lines
// starting with '#' are comments. File names:
//
//   <appendfilename>.<seq>.base.rdb | .base.aof     BASE  (aof-use-rdb-preamble yes | no)
//   <appendfilename>.<seq>.incr.aof                 INCR
//   <appendfilename>.manifest                       the manifest itself
//   temp-<appendfilename>.manifest                  written, fsynced, then renamed over it
//   temp-<appendfilename>.incr                      INCR file of a rewrite started by
//                                                   CONFIG SET appendonly yes
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rill::persistence {

enum class AofFileType : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };

struct AofFileInfo {
  std::string name;
  int64_t seq = 0;
  AofFileType type = AofFileType::kIncr;

  bool operator==(const AofFileInfo&) const = default;
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> history;  // newest first, as Redis keeps them
  std::vector<AofFileInfo> incr;     // in sequence order
  int64_t base_seq = 0;              // sequence number of the newest BASE ever named
  int64_t incr_seq = 0;              // same for INCR

  bool has_data_files() const { return base.has_value() || !incr.empty(); }

  // Names a new BASE file (seq base_seq + 1) and makes the current one HISTORY. Returns its
  // name.
  const std::string& NewBase(std::string_view appendfilename, bool rdb_format);
  // Names a new INCR file (seq incr_seq + 1) appended to `incr`. Returns its name.
  const std::string& NewIncr(std::string_view appendfilename);
  // The INCR file being appended to: the last one, or a new one when there is none.
  const std::string& LastIncrOrNew(std::string_view appendfilename);
  // After a successful rewrite: every INCR file except the last one (when `keep_last`, the
  // file written since the rewrite started) becomes HISTORY.
  void MarkIncrAsHistory(bool keep_last);
};

// Why a manifest was refused, with Redis's message. `line` (1-based) and `line_text` (trimmed)
// name the offending line when the error is about one, as Redis's log does.
struct AofManifestError {
  std::string message;
  int line = 0;
  std::string line_text;
};

// Parses manifest text as Redis 7.0's aofLoadManifestFromFile does: lines are read in chunks
// of at most 1024 bytes and each must end with '\n'; blank lines, missing keys, a path instead
// of a file name, two BASE files, INCR sequence numbers that do not grow and unknown types are
// errors. Returns nullopt with *error set.
std::optional<AofManifest> ParseAofManifest(std::string_view text, AofManifestError* error);

// The manifest text Redis writes for `manifest`.
std::string FormatAofManifest(const AofManifest& manifest);

std::string AofBaseFileName(std::string_view appendfilename, int64_t seq, bool rdb_format);
std::string AofIncrFileName(std::string_view appendfilename, int64_t seq);
std::string AofManifestFileName(std::string_view appendfilename);
std::string AofTempManifestFileName(std::string_view appendfilename);
std::string AofTempIncrFileName(std::string_view appendfilename);

}  // namespace rill::persistence
