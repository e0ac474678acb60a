#include "server/acl/command_index.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "server/engine/key_specs.h"

namespace rill::acl {

int CategoryIndex(std::string_view name) {
  for (int i = 0; i < kNumCategories; ++i) {
    std::string_view c = kCategoryNames[i];
    if (c.size() == name.size() && std::equal(c.begin(), c.end(), name.begin(), [](char a, char b) {
          return a == absl::ascii_tolower(b);
        })) {
      return i;
    }
  }
  return -1;
}

namespace {

ChannelArgs ChannelArgsOf(std::string_view name) {
  if (name == "publish" || name == "spublish") return ChannelArgs::kFirst;
  if (name == "subscribe" || name == "ssubscribe") return ChannelArgs::kAll;
  if (name == "psubscribe") return ChannelArgs::kPatterns;
  return ChannelArgs::kNone;
}

}  // namespace

const CommandIndex& CommandIndex::Get() {
  static const CommandIndex index;
  return index;
}

CommandIndex::CommandIndex() {
  for (const CommandMeta& meta : AllCommandMeta()) Add(meta, -1);
  if (entries_.size() > kMaxCommandIds) {
    std::fprintf(stderr, "BUG: %zu commands do not fit the ACL bitmap\n", entries_.size());
    std::abort();
  }
  in_category_.assign(kNumCategories, CommandBits());
  category_reach_.assign(kNumCategories, CommandBits());
  for (const CommandEntry& e : entries_) {
    for (int c = 0; c < kNumCategories; ++c) {
      if (!(e.categories & (1u << c))) continue;
      in_category_[c].set(e.id);
      category_reach_[c] |= CommandReach(e.id);
    }
  }
}

void CommandIndex::Add(const CommandMeta& meta, int parent) {
  CommandEntry e;
  e.meta = &meta;
  e.fullname = meta.name;
  e.id = static_cast<int>(entries_.size());
  e.parent = parent;
  for (std::string_view cat : meta.acl_categories) {
    int c = CategoryIndex(cat.substr(1));  // "@read" -> read
    if (c >= 0) e.categories |= 1u << c;
  }
  e.no_auth = ContainsFlag(meta.flags, "no_auth");
  e.has_keys = CommandHasKeys(meta);
  e.channels = ChannelArgsOf(meta.name);
  entries_.push_back(e);
  // Subcommands get the ids right after their container (the metadata lists them sorted).
  const int id = e.id;
  entries_[id].first_sub = id + 1;
  entries_[id].num_subs = static_cast<int>(meta.subcommands.size());
  for (const CommandMeta& sub : meta.subcommands) Add(sub, id);
}

CommandBits CommandIndex::CommandReach(int id) const {
  CommandBits bits;
  const CommandEntry& e = entries_[id];
  bits.set(id);
  for (int s = 0; s < e.num_subs; ++s) bits.set(e.first_sub + s);
  return bits;
}

namespace {

bool EqualNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return absl::ascii_tolower(x) == absl::ascii_tolower(y);
         });
}

}  // namespace

const CommandEntry* CommandIndex::FindTop(std::string_view name) const {
  // Top-level entries are sorted by name; subcommands sit between their parent and the next.
  for (size_t i = 0; i < entries_.size(); i += 1 + entries_[i].num_subs) {
    if (EqualNoCase(entries_[i].fullname, name)) return &entries_[i];
  }
  return nullptr;
}

const CommandEntry* CommandIndex::FindSub(const CommandEntry& top, std::string_view sub) const {
  for (int s = 0; s < top.num_subs; ++s) {
    const CommandEntry& e = entries_[top.first_sub + s];
    if (EqualNoCase(e.fullname.substr(top.fullname.size() + 1), sub)) return &e;
  }
  return nullptr;
}

const CommandEntry* CommandIndex::Find(std::string_view name) const {
  size_t bar = name.find('|');
  const CommandEntry* top = FindTop(name.substr(0, bar));
  if (top == nullptr || bar == std::string_view::npos) return top;
  std::string_view sub = name.substr(bar + 1);
  if (sub.find('|') != std::string_view::npos) return nullptr;
  return FindSub(*top, sub);
}

const CommandEntry* CommandIndex::FindForArgs(std::span<const std::string_view> args) const {
  const CommandEntry* top = FindTop(args[0]);
  if (top == nullptr || args.size() == 1 || top->num_subs == 0) return top;
  return FindSub(*top, args[1]);
}

}  // namespace rill::acl
