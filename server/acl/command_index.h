// ACL's view of the command table: every Redis 7.0 command and subcommand, implemented by Rill or
// not (Redis's rules may name any of them), each with a stable id, its ACL categories and its
// place in the container/subcommand tree. Selectors keep one permission bit per id.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "server/meta/command_meta.h"

namespace rill::acl {

inline constexpr size_t kMaxCommandIds = 1024;
using CommandBits = std::bitset<kMaxCommandIds>;

// Categories in Redis's order (ACL CAT lists them so, and rule descriptions try them so).
inline constexpr std::string_view kCategoryNames[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
inline constexpr int kNumCategories = static_cast<int>(std::size(kCategoryNames));

// Index of a category by name (any case), -1 if there is none.
int CategoryIndex(std::string_view name);

// Which arguments of a command are Pub/Sub channels that ACL channel rules govern (Redis's
// commands_with_channels table; unsubscribing is never refused).
enum class ChannelArgs : uint8_t {
  kNone,
  kFirst,     // PUBLISH, SPUBLISH: argument 1 is a channel
  kAll,       // SUBSCRIBE, SSUBSCRIBE: every argument is a channel
  kPatterns,  // PSUBSCRIBE: every argument is a pattern, matched literally against the rules
};

struct CommandEntry {
  const CommandMeta* meta = nullptr;
  std::string_view fullname;  // "get", "config|get"
  int id = 0;
  int parent = -1;  // id of the container, -1 for a top-level command
  int first_sub = 0;
  int num_subs = 0;         // subcommands have ids first_sub .. first_sub + num_subs - 1
  uint32_t categories = 0;  // bit per kCategoryNames index
  bool no_auth = false;     // runs before authentication: never refused by command rules
  bool has_keys = false;    // has key specs for real keys (see CommandHasKeys)
  ChannelArgs channels = ChannelArgs::kNone;
};

class CommandIndex {
 public:
  static const CommandIndex& Get();

  // Redis's strict lookup by full name: "get", "config|get" (any case). "get|x" or
  // "config|nosuch" are nullptr, as is anything with two bars.
  const CommandEntry* Find(std::string_view name) const;
  // Redis's lookupCommand for a command line: the subcommand named by args[1] for a container
  // (nullptr if it has none such), else the command itself; nullptr if args[0] is unknown.
  const CommandEntry* FindForArgs(std::span<const std::string_view> args) const;
  const CommandEntry& at(int id) const { return entries_[id]; }
  // Every command, each container followed by its subcommands.
  std::span<const CommandEntry> all() const { return entries_; }

  // Commands that carry the category, and the bits that granting or revoking it changes: those
  // commands plus every subcommand of a container that carries it.
  const CommandBits& InCategory(int category) const { return in_category_[category]; }
  const CommandBits& CategoryReach(int category) const { return category_reach_[category]; }
  // The bits that allowing or denying one command changes: itself and its subcommands.
  CommandBits CommandReach(int id) const;

 private:
  CommandIndex();
  void Add(const CommandMeta& meta, int parent);
  const CommandEntry* FindTop(std::string_view name) const;
  const CommandEntry* FindSub(const CommandEntry& top, std::string_view sub) const;

  std::vector<CommandEntry> entries_;
  std::vector<CommandBits> in_category_;
  std::vector<CommandBits> category_reach_;
};

}  // namespace rill::acl
