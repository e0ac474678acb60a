// SORT and SORT_RO, as Redis 7.0's sortCommandGeneric (sort.c): the elements of a list, set or
// sorted set, optionally weighted by other keys (BY pattern, `*` replaced by the element, and
// `->field` reading a hash field), sorted as doubles or, with ALPHA, as strings, then cut by
// LIMIT, mapped through GET patterns, and replied or stored as a list (STORE).
//
// Redis's quirks kept on purpose:
// * BY with a pattern holding no `*` ("nosort") skips sorting and keeps the value's own order
//   (a list's, a sorted set's by score); a set is still sorted (ALPHA) when the result is
//   stored or the caller is a script, so that replicas and the AOF agree.
// * A sorted set is turned into its skiplist form by any SORT, even SORT_RO (zsetConvert).
// * Elements that are not numbers fail the whole command only after every lookup ran: "One or
//   more scores can't be converted into double". Numbers are read by strtod (hex, "inf",
//   leading spaces and the empty string, as 0, are all numbers; NaN and overflow are not).
// * ALPHA compares with strcoll (LC_COLLATE from the environment, as Redis's main sets it),
//   except when storing, where bytes are compared so that the stored list does not depend on
//   the locale.
// * BY and GET with a real pattern need read access to the whole keyspace (a `~*`/`%R~*` rule
//   or allkeys in the selector that allows the call).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/partial_quick_sort.h"
#include "common/string_util.h"
#include "datastructs/hash.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
#include "datastructs/zset.h"
#include "protocol/errors.h"
#include "server/acl/command_index.h"
#include "server/acl/user.h"
#include "server/commands/arg_parse.h"
#include "server/commands/lists_internal.h"
#include "server/engine/engine.h"
#include "server/scripting/scripting.h"

namespace rill {
namespace {

struct SortItem {
  std::string value;
  double score = 0;
  std::optional<std::string> by;  // ALPHA with BY: the weight's bytes; nullopt when missing
};

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> by;
  std::optional<std::string_view> store;
  std::vector<std::string_view> gets;
};

// The bytes up to the first NUL: Redis searches patterns with strchr/strstr.
std::string_view CString(std::string_view s) { return s.substr(0, s.find('\0')); }

bool HasFullKeyReadAccess(CommandContext& ctx) {
  const acl::User* user = ctx.client.acl_user;
  if (user == nullptr) return true;
  const acl::CommandEntry* cmd = acl::CommandIndex::Get().FindForArgs(ctx.args);
  if (cmd == nullptr) return true;
  return user->CheckWithUnrestrictedKeyAccess(*cmd, ctx.args, acl::kKeyRead);
}

// Parses the options after the key; false after an error reply.
bool ParseOptions(CommandContext& ctx, bool read_only, SortOptions* opts) {
  std::optional<bool> full_access;  // asked once, when a pattern needs it
  auto denied = [&](std::string_view option) {
    if (!full_access) full_access = HasFullKeyReadAccess(ctx);
    if (*full_access) return false;
    ctx.reply.Error(absl::StrCat("ERR ", ToAbsl(option),
                                 " option of SORT denied due to insufficient ACL permissions."));
    return true;
  };
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const std::string_view arg = ctx.args[j];
    const size_t left = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(arg, "asc")) {
      opts->desc = false;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      opts->desc = true;
    } else if (EqualsIgnoreCase(arg, "alpha")) {
      opts->alpha = true;
    } else if (EqualsIgnoreCase(arg, "limit") && left >= 2) {
      if (!ParseInt64OrReply(ctx.args[j + 1], &opts->limit_start, ctx.reply) ||
          !ParseInt64OrReply(ctx.args[j + 2], &opts->limit_count, ctx.reply)) {
        return false;
      }
      j += 2;
    } else if (!read_only && EqualsIgnoreCase(arg, "store") && left >= 1) {
      opts->store = ctx.args[++j];
    } else if (EqualsIgnoreCase(arg, "by") && left >= 1) {
      opts->by = ctx.args[++j];
      // Only ever set: "BY nosort BY w_*" still does not sort, as in Redis.
      if (CString(*opts->by).find('*') == std::string_view::npos) {
        opts->dontsort = true;
      } else if (denied("BY")) {
        return false;
      }
    } else if (EqualsIgnoreCase(arg, "get") && left >= 1) {
      if (denied("GET")) return false;
      opts->gets.push_back(ctx.args[++j]);
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first `*` is replaced by
// the element and the key read as a string, or, with "->field" after the `*`, as a hash field.
// nullopt when the pattern has no `*`, the key is missing or holds another type.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern,
                                           std::string_view element) {
  const std::string_view cpattern = CString(pattern);
  if (cpattern == "#") return std::string(element);
  const size_t star = cpattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  size_t field_len = 0;
  std::string_view field;
  const size_t arrow = cpattern.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < cpattern.size()) {
    field = pattern.substr(arrow + 2);  // the field runs to the pattern's real end
    field_len = field.size();
  }
  std::string key;
  key.reserve(pattern.size() + element.size());
  key.append(pattern.substr(0, star));
  key.append(element);
  key.append(pattern.substr(star + 1, pattern.size() - star - 1 - (field_len ? field_len + 2 : 0)));

  ds::KeySlot slot = ctx.FindKey(key, kRead);
  const ds::Entry* entry = slot.entry();
  if (entry == nullptr) return std::nullopt;
  if (field_len == 0) {
    if (entry->type() != ds::ValueType::kString) return std::nullopt;
    char scratch[24];
    return std::string(entry->StringView(scratch));
  }
  if (entry->type() != ds::ValueType::kHash) return std::nullopt;
  std::string_view value;
  if (!static_cast<const ds::Hash*>(entry->object())->Get(field, &value)) return std::nullopt;
  return std::string(value);
}

// Redis's compareStringObjects: bytes, then length.
int CompareBinary(std::string_view a, std::string_view b) {
  const int cmp = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (cmp != 0) return cmp;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// strcoll of the two values as C strings (up to a NUL), as Redis's collateStringObjects.
int Collate(const std::string& a, const std::string& b) {
  return std::strcoll(a.c_str(), b.c_str());
}

// Redis's sortCompare.
int Compare(const SortItem& a, const SortItem& b, bool alpha, bool by_pattern, bool store) {
  if (!alpha) {
    if (a.score > b.score) return 1;
    if (a.score < b.score) return -1;
    return CompareBinary(a.value, b.value);
  }
  if (by_pattern) {
    if (!a.by || !b.by) {
      if (!a.by && !b.by) return 0;
      return !a.by ? -1 : 1;
    }
    return store ? CompareBinary(*a.by, *b.by) : Collate(*a.by, *b.by);
  }
  return store ? CompareBinary(a.value, b.value) : Collate(a.value, b.value);
}

size_t Size(const ds::Entry* entry) {
  if (entry == nullptr) return 0;
  switch (entry->type()) {
    case ds::ValueType::kList:
      return static_cast<const ds::List*>(entry->object())->size();
    case ds::ValueType::kSet:
      return static_cast<const ds::Set*>(entry->object())->size();
    default:
      return static_cast<const ds::ZSet*>(entry->object())->size();
  }
}

// Loads the elements to sort. With `direct` (a list or sorted set not sorted) only the
// [start, end] range, in the value's order (reversed for DESC), and then start/end are moved to
// index the loaded range.
void LoadItems(ds::Entry* entry, bool direct, bool desc, int64_t* start, int64_t* end,
               std::vector<SortItem>* items) {
  if (entry == nullptr) return;
  const ds::ValueType type = entry->type();
  if (direct) {
    if (*end < *start) return;  // nothing in range (Redis leaves start/end alone)
    const auto len = static_cast<int64_t>(Size(entry));
    const int64_t count = *end - *start + 1;
    // Ranks [lo, hi] in the value's order; DESC walks them from hi down.
    const int64_t lo = desc ? len - *start - count : *start;
    const int64_t hi = desc ? len - 1 - *start : *start + count - 1;
    items->reserve(static_cast<size_t>(count));
    if (type == ds::ValueType::kList) {
      static_cast<ds::List*>(entry->object())
          ->ForRange(static_cast<size_t>(lo), static_cast<size_t>(hi), desc,
                     [&](size_t, std::string_view v) {
                       items->push_back(SortItem{std::string(v)});
                       return true;
                     });
    } else {
      static_cast<ds::ZSet*>(entry->object())
          ->ForRange(static_cast<size_t>(lo), static_cast<size_t>(hi), desc,
                     [&](double, std::string_view member) {
                       items->push_back(SortItem{std::string(member)});
                       return true;
                     });
    }
    *end -= *start;
    *start = 0;
    return;
  }
  switch (type) {
    case ds::ValueType::kList: {
      auto* list = static_cast<ds::List*>(entry->object());
      items->reserve(list->size());
      list->ForEach([&](std::string_view v) { items->push_back(SortItem{std::string(v)}); });
      break;
    }
    case ds::ValueType::kSet: {
      auto* set = static_cast<ds::Set*>(entry->object());
      items->reserve(set->size());
      set->ForEach([&](std::string_view m) { items->push_back(SortItem{std::string(m)}); });
      break;
    }
    default: {
      auto* zset = static_cast<ds::ZSet*>(entry->object());
      items->reserve(zset->size());
      zset->ForEach(
          [&](double, std::string_view m) { items->push_back(SortItem{std::string(m)}); });
      break;
    }
  }
}

// strtod over the C string, as Redis reads a weight: false when it is not all a number, is NaN
// or out of range.
bool ParseWeight(const std::string& s, double* score) {
  char* end = nullptr;
  errno = 0;
  *score = std::strtod(s.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*score);
}

void Sort(CommandContext& ctx, bool read_only) {
  SortOptions opts;
  if (!ParseOptions(ctx, read_only, &opts)) return;

  ds::KeySlot slot = ctx.FindKey(ctx.args[1], kRead);
  ds::Entry* entry = slot.entry();
  ds::ValueType type = ds::ValueType::kList;  // a missing key sorts as an empty list
  if (entry != nullptr) {
    type = entry->type();
    if (type != ds::ValueType::kList && type != ds::ValueType::kSet &&
        type != ds::ValueType::kZSet) {
      ctx.reply.Error(errors::kWrongType);
      return;
    }
  }

  const bool in_script = &ctx.client == &ctx.engine.scripting().runner().script_client();
  std::optional<std::string_view> by = opts.by;
  if (opts.dontsort && type == ds::ValueType::kSet && (opts.store || in_script)) {
    // A set's order is the server's own: sort it so that the result is the same everywhere.
    opts.dontsort = false;
    opts.alpha = true;
    by.reset();
  }
  if (type == ds::ValueType::kZSet) static_cast<ds::ZSet*>(entry->object())->ConvertToBig();

  const int64_t len = static_cast<int64_t>(Size(entry));
  // LIMIT, clamped to the value's size first (which also keeps start + count from overflowing).
  int64_t start = std::min(std::max<int64_t>(opts.limit_start, 0), len);
  const int64_t limit_count = std::min(std::max<int64_t>(opts.limit_count, -1), len);
  int64_t end = limit_count < 0 ? len - 1 : start + limit_count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  // A list or sorted set that is not sorted keeps its own order (reversed by DESC): only the
  // LIMIT range is loaded. A set's own order is its table's.
  const bool ordered =
      (type == ds::ValueType::kList || type == ds::ValueType::kZSet) && opts.dontsort;
  std::vector<SortItem> items;
  LoadItems(entry, ordered, opts.desc, &start, &end, &items);

  bool conversion_error = false;
  if (!opts.dontsort) {
    for (SortItem& item : items) {
      std::optional<std::string> weight;
      if (by) {
        weight = LookupByPattern(ctx, *by, item.value);
        if (!weight) continue;
      }
      if (opts.alpha) {
        if (by) item.by = std::move(weight);
      } else if (!ParseWeight(by ? *weight : item.value, &item.score)) {
        conversion_error = true;
      }
    }
    const bool alpha = opts.alpha;
    const bool by_pattern = by.has_value();
    const bool store = opts.store.has_value();
    const bool desc = opts.desc;
    // Redis sorts with glibc's qsort, a stable merge sort, unless a BY pattern is given with
    // a LIMIT that leaves something out: then with its partial quicksort, which leaves elements
    // of equal weight in an order of its own (common/partial_quick_sort.h).
    const int64_t size = static_cast<int64_t>(items.size());
    if (by_pattern && (start != 0 || end != size - 1)) {
      PartialQuickSort(std::span<SortItem>(items), start, end,
                       [&](const SortItem& a, const SortItem& b) {
                         const int cmp = Compare(a, b, alpha, by_pattern, store);
                         return desc ? -cmp : cmp;
                       });
    } else {
      std::stable_sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
        const int cmp = Compare(a, b, alpha, by_pattern, store);
        return desc ? cmp > 0 : cmp < 0;
      });
    }
  }

  const int64_t count = end - start + 1;
  const int64_t output_len =
      opts.gets.empty() ? count : count * static_cast<int64_t>(opts.gets.size());
  if (conversion_error) {
    ctx.reply.Error("ERR One or more scores can't be converted into double");
    return;
  }
  if (!opts.store) {
    ctx.reply.ArrayHeader(static_cast<size_t>(std::max<int64_t>(output_len, 0)));
    for (int64_t j = start; j <= end; ++j) {
      const SortItem& item = items[static_cast<size_t>(j)];
      if (opts.gets.empty()) ctx.reply.Bulk(item.value);
      for (std::string_view pattern : opts.gets) {
        std::optional<std::string> value = LookupByPattern(ctx, pattern, item.value);
        if (value) {
          ctx.reply.Bulk(*value);
        } else {
          ctx.reply.Null();
        }
      }
    }
    return;
  }

  const std::string_view dest = *opts.store;
  if (output_len > 0) {
    std::unique_ptr<ds::List> list = lists_internal::NewList(ctx);
    for (int64_t j = start; j <= end; ++j) {
      const SortItem& item = items[static_cast<size_t>(j)];
      if (opts.gets.empty()) list->PushBack(item.value);
      for (std::string_view pattern : opts.gets) {
        list->PushBack(LookupByPattern(ctx, pattern, item.value).value_or(std::string()));
      }
    }
    // The destination is replaced whatever it held, and loses any expiry (Redis's setKey).
    ctx.db().SetObject(dest, std::move(list));
    ctx.Modified(dest, 'l', "sortstore", static_cast<uint64_t>(output_len));
  } else if (ctx.db().Delete(dest)) {
    ctx.Modified(dest, 'g', "del");
  }
  ctx.reply.Integer(std::max<int64_t>(output_len, 0));
}

void CmdSort(CommandContext& ctx) { Sort(ctx, /*read_only=*/false); }
void CmdSortRo(CommandContext& ctx) { Sort(ctx, /*read_only=*/true); }

}  // namespace

void RegisterSortCommands(CommandTable& table) {
  table.Add("sort", CmdSort);
  table.Add("sort_ro", CmdSortRo);
}

}  // namespace rill
