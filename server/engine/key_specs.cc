#include "server/engine/key_specs.h"

#include <cstdint>

#include "common/number_parse.h"
#include "common/string_util.h"

namespace rill {
namespace {

// Applies one key spec to `args`. Returns false if the arguments do not fit the spec; a spec
// whose search finds nothing adds no keys.
bool KeysFromSpec(const KeySpecMeta& spec, std::span<const std::string_view> args,
                  std::vector<FoundKey>* out) {
  const int argc = static_cast<int>(args.size());
  int first = 0;
  if (spec.bs_type == "index") {
    first = spec.bs_index;
  } else if (spec.bs_type == "keyword") {
    // A negative start searches backwards from the end of the arguments.
    int start = spec.bs_startfrom >= 0 ? spec.bs_startfrom : argc + spec.bs_startfrom;
    int end = spec.bs_startfrom >= 0 ? argc - 1 : 0;
    int step = spec.bs_startfrom >= 0 ? 1 : -1;
    first = -1;
    for (int i = start; i != end + step && i >= 0 && i < argc; i += step) {
      if (EqualsIgnoreCase(args[i], spec.bs_keyword)) {
        first = i + 1;
        break;
      }
    }
    if (first < 0) return true;
  } else {
    return true;  // Keys this spec cannot describe (found by command-specific code in Redis).
  }
  if (first >= argc) return ContainsFlag(spec.flags, "incomplete");

  int last = 0;
  int step = 1;
  if (spec.fk_type == "range") {
    step = spec.fk_keystep;
    if (spec.fk_lastkey >= 0) {
      last = first + spec.fk_lastkey;
    } else if (spec.fk_limit == 0) {
      last = argc + spec.fk_lastkey;
    } else {
      last = first + ((argc - first) / spec.fk_limit + spec.fk_lastkey);
    }
  } else if (spec.fk_type == "keynum") {
    int idx = first + spec.fk_keynumidx;
    int64_t numkeys = 0;
    if (idx >= argc || !ParseInt64(args[idx], &numkeys) || numkeys < 0 || numkeys > argc) {
      return false;
    }
    step = spec.fk_keystep;
    first += spec.fk_firstkey;
    last = first + static_cast<int>(numkeys - 1) * step;
  } else {
    return true;
  }
  if (last >= argc || last < first - 1 || step <= 0) {
    if (!ContainsFlag(spec.flags, "incomplete")) return false;
    last = argc - 1;
  }
  for (int i = first; i <= last; i += step) {
    out->push_back(FoundKey{static_cast<size_t>(i), spec.flags});
  }
  return true;
}

// Key specs marked "variable_flags" get their flags from the arguments, as Redis's setGetKeys
// and bitfieldGetKeys compute them.
std::span<const std::string_view> VariableFlags(const CommandMeta& meta,
                                                std::span<const std::string_view> args,
                                                std::span<const std::string_view> spec_flags) {
  static constexpr std::string_view kOverwrite[] = {"OW", "update"};
  static constexpr std::string_view kReadWrite[] = {"RW", "access", "update"};
  static constexpr std::string_view kReadOnly[] = {"RO", "access"};
  if (meta.name == "set") {
    for (size_t i = 3; i < args.size(); ++i) {
      if (EqualsIgnoreCase(args[i], "get")) return kReadWrite;
    }
    return kOverwrite;
  }
  if (meta.name == "bitfield") {
    // Read-only when every subcommand is a complete GET or OVERFLOW; anything else (a write,
    // or a syntax error) is taken as a write.
    for (size_t i = 2; i < args.size(); ++i) {
      size_t more = args.size() - i - 1;
      if (EqualsIgnoreCase(args[i], "get") && more >= 2) {
        i += 2;
      } else if (EqualsIgnoreCase(args[i], "overflow") && more >= 1) {
        i += 1;
      } else {
        return kReadWrite;
      }
    }
    return kReadOnly;
  }
  return spec_flags;
}

// Redis's sortGetKeys / sortROGetKeys, used because SORT's BY/GET and STORE specs are
// "unknown": the sorted key, and the last STORE's key (options are skipped by their argument
// counts, so "GET store" names no key).
bool SortKeys(const CommandMeta& meta, std::span<const std::string_view> args,
              std::vector<FoundKey>* out) {
  static constexpr std::string_view kReadOnly[] = {"RO", "access"};
  static constexpr std::string_view kOverwrite[] = {"OW", "update"};
  if (args.size() < 2) return false;
  out->push_back(FoundKey{1, kReadOnly});
  if (meta.name == "sort_ro") return true;
  size_t store = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "get") || EqualsIgnoreCase(args[i], "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(args[i], "store") && i + 1 < args.size()) {
      store = i + 1;  // the last STORE wins, as in SORT itself
    }
  }
  if (store != 0) out->push_back(FoundKey{store, kOverwrite});
  return true;
}

}  // namespace

bool ContainsFlag(std::span<const std::string_view> flags, std::string_view flag) {
  for (std::string_view f : flags) {
    if (f == flag) return true;
  }
  return false;
}

bool CommandHasKeys(const CommandMeta& meta) {
  for (const KeySpecMeta& spec : meta.key_specs) {
    if (!ContainsFlag(spec.flags, "not_key")) return true;
  }
  return false;
}

bool FindCommandKeys(const CommandMeta& meta, std::span<const std::string_view> args,
                     std::vector<FoundKey>* out) {
  // Specs of "unknown" keys make Redis fall back to the command's own key finder.
  if (meta.name == "sort" || meta.name == "sort_ro") return SortKeys(meta, args, out);
  const size_t before = out->size();
  for (const KeySpecMeta& spec : meta.key_specs) {
    if (ContainsFlag(spec.flags, "not_key")) continue;
    if (!KeysFromSpec(spec, args, out)) {
      out->resize(before);
      return false;
    }
  }
  for (size_t i = before; i < out->size(); ++i) {
    FoundKey& key = (*out)[i];
    if (ContainsFlag(key.flags, "variable_flags")) key.flags = VariableFlags(meta, args, key.flags);
  }
  return true;
}

}  // namespace rill
