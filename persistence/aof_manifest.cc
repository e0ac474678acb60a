#include "persistence/aof_manifest.h"

#include <strings.h>

#include <cstdlib>

#include "common/sds_syntax.h"

namespace rill::persistence {
namespace {

// Redis reads the manifest with fgets into a buffer of this many bytes plus the terminator.
constexpr size_t kMaxLineChunk = 1024;

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

bool IsBaseName(std::string_view name) {
  return name.find('/') == std::string_view::npos && name.find('\\') == std::string_view::npos;
}

// atoll: leading spaces, an optional sign, digits; anything after is ignored.
int64_t AtoLL(const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); }

}  // namespace

const std::string& AofManifest::NewBase(std::string_view appendfilename, bool rdb_format) {
  if (base) {
    base->type = AofFileType::kHistory;
    history.insert(history.begin(), std::move(*base));
  }
  ++base_seq;
  base = AofFileInfo{AofBaseFileName(appendfilename, base_seq, rdb_format), base_seq,
                     AofFileType::kBase};
  return base->name;
}

const std::string& AofManifest::NewIncr(std::string_view appendfilename) {
  ++incr_seq;
  incr.push_back(
      AofFileInfo{AofIncrFileName(appendfilename, incr_seq), incr_seq, AofFileType::kIncr});
  return incr.back().name;
}

const std::string& AofManifest::LastIncrOrNew(std::string_view appendfilename) {
  if (incr.empty()) return NewIncr(appendfilename);
  return incr.back().name;
}

void AofManifest::MarkIncrAsHistory(bool keep_last) {
  size_t n = incr.size();
  if (keep_last && n > 0) --n;
  // Redis walks from the newest and inserts each at the head of the history list, so the
  // history keeps the files in ascending order in front of the older history.
  for (size_t i = n; i-- > 0;) {
    AofFileInfo info = std::move(incr[i]);
    info.type = AofFileType::kHistory;
    history.insert(history.begin(), std::move(info));
  }
  incr.erase(incr.begin(), incr.begin() + static_cast<std::ptrdiff_t>(n));
}

std::optional<AofManifest> ParseAofManifest(std::string_view text, AofManifestError* error) {
  AofManifest manifest;
  int64_t max_incr_seq = 0;
  int line_number = 0;
  size_t pos = 0;
  auto fail = [&](std::string message, std::string_view line) -> std::optional<AofManifest> {
    error->message = std::move(message);
    error->line = line.empty() ? 0 : line_number;
    error->line_text = std::string(line);
    return std::nullopt;
  };
  if (text.empty()) return fail("Found an empty AOF manifest", {});
  while (pos < text.size()) {
    // One fgets: up to and including '\n', at most kMaxLineChunk bytes.
    std::string_view rest = text.substr(pos);
    size_t newline = rest.substr(0, kMaxLineChunk).find('\n');
    size_t chunk_len =
        newline == std::string_view::npos ? std::min(rest.size(), kMaxLineChunk) : newline + 1;
    std::string_view chunk = rest.substr(0, chunk_len);
    pos += chunk_len;
    ++line_number;
    if (chunk[0] == '#') continue;
    // Redis looks for the newline with strchr, which stops at a NUL byte.
    if (newline == std::string_view::npos || chunk.find('\0') < newline) {
      return fail("The AOF manifest file contains too long line", {});
    }
    std::string_view line = Trim(chunk);
    if (line.empty()) return fail("Invalid AOF manifest file format", line);
    std::optional<std::vector<std::string>> argv = SplitArgs(line);
    if (!argv || argv->size() < 6 || argv->size() % 2 != 0) {
      return fail("Invalid AOF manifest file format", line);
    }
    std::optional<std::string> name;
    int64_t seq = 0;
    char type = 0;
    for (size_t i = 0; i < argv->size(); i += 2) {
      const std::string& key = (*argv)[i];
      const std::string& value = (*argv)[i + 1];
      if (strcasecmp(key.c_str(), "file") == 0) {
        if (!IsBaseName(value)) return fail("File can't be a path, just a filename", line);
        name = value;
      } else if (strcasecmp(key.c_str(), "seq") == 0) {
        seq = AtoLL(value);
      } else if (strcasecmp(key.c_str(), "type") == 0) {
        type = value.empty() ? '\0' : value[0];
      }
    }
    // Redis accepts an empty file name here and fails later opening it; refusing it now gives
    // the same outcome with a clearer message.
    if (!name || name->empty() || seq == 0 || type == 0) {
      return fail("Invalid AOF manifest file format", line);
    }
    AofFileInfo info{std::move(*name), seq, static_cast<AofFileType>(type)};
    switch (info.type) {
      case AofFileType::kBase:
        if (manifest.base) return fail("Found duplicate base file information", line);
        manifest.base_seq = seq;
        manifest.base = std::move(info);
        break;
      case AofFileType::kHistory:
        manifest.history.push_back(std::move(info));
        break;
      case AofFileType::kIncr:
        if (seq <= max_incr_seq) return fail("Found a non-monotonic sequence number", line);
        max_incr_seq = seq;
        manifest.incr_seq = seq;
        manifest.incr.push_back(std::move(info));
        break;
      default:
        return fail("Unknown AOF file type", line);
    }
  }
  return manifest;
}

namespace {

void AppendLine(std::string* out, const AofFileInfo& info) {
  out->append("file ");
  if (NeedsQuoting(info.name)) {
    AppendQuoted(out, info.name);
  } else {
    out->append(info.name);
  }
  out->append(" seq ");
  out->append(std::to_string(info.seq));
  out->append(" type ");
  out->push_back(static_cast<char>(info.type));
  out->push_back('\n');
}

}  // namespace

std::string FormatAofManifest(const AofManifest& manifest) {
  std::string out;
  if (manifest.base) AppendLine(&out, *manifest.base);
  for (const AofFileInfo& info : manifest.history) AppendLine(&out, info);
  for (const AofFileInfo& info : manifest.incr) AppendLine(&out, info);
  return out;
}

std::string AofBaseFileName(std::string_view appendfilename, int64_t seq, bool rdb_format) {
  return std::string(appendfilename) + "." + std::to_string(seq) + ".base" +
         (rdb_format ? ".rdb" : ".aof");
}

std::string AofIncrFileName(std::string_view appendfilename, int64_t seq) {
  return std::string(appendfilename) + "." + std::to_string(seq) + ".incr.aof";
}

std::string AofManifestFileName(std::string_view appendfilename) {
  return std::string(appendfilename) + ".manifest";
}

std::string AofTempManifestFileName(std::string_view appendfilename) {
  return "temp-" + std::string(appendfilename) + ".manifest";
}

std::string AofTempIncrFileName(std::string_view appendfilename) {
  return "temp-" + std::string(appendfilename) + ".incr";
}

}  // namespace rill::persistence
