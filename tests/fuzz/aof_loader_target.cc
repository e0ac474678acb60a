#include "tests/fuzz/aof_loader_target.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/aof_command.h"
#include "persistence/aof_manifest.h"
#include "tests/fuzz/contract.h"

namespace rill::fuzz {
namespace {

using persistence::AofReader;

void Check(bool ok, const char* what) { CheckContract(ok, "AOF loader", what); }

// Everything one read of a file produced.
struct Outcome {
  std::vector<std::vector<std::string>> commands;
  AofReader::Status end = AofReader::Status::kEnd;
  uint64_t valid_offset = 0;
  uint64_t offset = 0;
};

// Reads commands until the reader stops, checking the offsets after each step.
Outcome ReadAll(AofReader& reader, size_t size) {
  Outcome out;
  std::vector<std::string> argv;
  uint64_t last_valid = 0;
  while (true) {
    const AofReader::Status status = reader.Next(&argv);
    Check(reader.valid_offset() >= last_valid, "valid_offset went backwards");
    Check(reader.valid_offset() <= reader.offset() && reader.offset() <= size,
          "offsets outside the input");
    last_valid = reader.valid_offset();
    if (status != AofReader::Status::kCommand) {
      out.end = status;
      break;
    }
    Check(!argv.empty(), "a command without arguments");
    Check(reader.valid_offset() == reader.offset(), "valid_offset is not the command's end");
    out.commands.push_back(argv);
  }
  out.valid_offset = reader.valid_offset();
  out.offset = reader.offset();
  return out;
}

Outcome ReadFromMemory(std::string_view file) {
  AofReader reader(file);
  return ReadAll(reader, file.size());
}

// A source handing out at most `chunk` bytes per read, failing (-1) once `fail_at` bytes are
// out (never, by default).
Outcome ReadInChunks(std::string_view file, size_t chunk, size_t fail_at = SIZE_MAX) {
  size_t pos = 0;
  AofReader reader([&](char* buf, size_t n) -> int64_t {
    if (pos >= fail_at) return -1;
    const size_t k = std::min({n, chunk, file.size() - pos, fail_at - pos});
    std::memcpy(buf, file.data() + pos, k);
    pos += k;
    return static_cast<int64_t>(k);
  });
  return ReadAll(reader, file.size());
}

bool SameRead(const Outcome& a, const Outcome& b) {
  return a.commands == b.commands && a.end == b.end && a.valid_offset == b.valid_offset &&
         a.offset == b.offset;
}

void RunIncrFile(std::string_view file, size_t chunk) {
  const Outcome whole = ReadFromMemory(file);
  if (whole.end == AofReader::Status::kEnd) {
    Check(whole.offset == file.size(), "clean end before the end of the input");
  }
  Check(whole.end != AofReader::Status::kIoError, "I/O error reading memory");
  Check(SameRead(ReadInChunks(file, chunk), whole), "the read depends on the source's chunks");

  // A source failing part-way: a prefix of the commands, then the I/O error (or the normal
  // end, when the reader had already stopped before needing the failing read).
  const Outcome failed = ReadInChunks(file, chunk, file.size() / 2);
  Check(failed.commands.size() <= whole.commands.size() &&
            std::equal(failed.commands.begin(), failed.commands.end(), whole.commands.begin()),
        "a failing source changed the commands read before it failed");
  Check(failed.end == AofReader::Status::kIoError || SameRead(failed, whole),
        "a failing source did not end in kIoError");

  // Cut where Redis truncates an incomplete tail: the same commands and a clean end.
  const Outcome cut = ReadFromMemory(file.substr(0, whole.valid_offset));
  Check(cut.commands == whole.commands, "the file cut at valid_offset reads other commands");
  Check(cut.end == AofReader::Status::kEnd, "the file cut at valid_offset does not end cleanly");

  // Re-encoded: the same commands and nothing else.
  std::string encoded;
  for (const auto& command : whole.commands) {
    std::vector<std::string_view> args(command.begin(), command.end());
    persistence::AppendAofCommand(&encoded, args);
  }
  const Outcome again = ReadFromMemory(encoded);
  Check(again.commands == whole.commands, "re-encoded commands read back differently");
  Check(again.end == AofReader::Status::kEnd && again.valid_offset == encoded.size(),
        "re-encoded commands do not end cleanly");
}

bool SameManifest(const persistence::AofManifest& a, const persistence::AofManifest& b) {
  return a.base == b.base && a.history == b.history && a.incr == b.incr &&
         a.base_seq == b.base_seq && a.incr_seq == b.incr_seq;
}

// The longest line of `text`, newline included.
size_t LongestLine(std::string_view text) {
  size_t longest = 0;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size() - 1) + 1;
    longest = std::max(longest, end);
    text.remove_prefix(end);
  }
  return longest;
}

void RunManifest(std::string_view text) {
  persistence::AofManifestError error;
  std::optional<persistence::AofManifest> manifest = persistence::ParseAofManifest(text, &error);
  if (!manifest) {
    Check(!error.message.empty(), "a refused manifest without a message");
    Check(error.line >= 0 && error.line <= static_cast<int64_t>(text.size()),
          "the refused line is outside the text");
    Check(error.line_text.size() <= text.size(), "the refused line is longer than the text");
    return;
  }
  Check(error.message.empty(), "an accepted manifest with an error message");
  if (manifest->base)
    Check(manifest->base_seq == manifest->base->seq, "base_seq is not the base's");
  if (!manifest->incr.empty()) {
    Check(manifest->incr_seq == manifest->incr.back().seq, "incr_seq is not the last incr's");
  }
  const std::string formatted = persistence::FormatAofManifest(*manifest);
  // Redis reads a manifest line in 1024-byte chunks; a name that only fits unquoted cannot
  // survive quoting (Redis's own writer has the same limit).
  if (LongestLine(formatted) > 1024) return;
  persistence::AofManifestError again_error;
  std::optional<persistence::AofManifest> again =
      persistence::ParseAofManifest(formatted, &again_error);
  if (formatted.empty()) {
    Check(!again, "an empty manifest text was accepted");  // only comments were parsed
    return;
  }
  Check(again.has_value(), "a formatted manifest is refused");
  Check(SameManifest(*again, *manifest), "a formatted manifest parses to another manifest");
  Check(persistence::FormatAofManifest(*again) == formatted, "formatting is not stable");
}

}  // namespace

void RunAofLoaderInput(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    RunManifest(rest);
  } else {
    RunIncrFile(rest, ((data[0] >> 1) & 0x3f) + 1);
  }
}

}  // namespace rill::fuzz
