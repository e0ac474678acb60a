#include "server/meta/command_meta.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "server/engine/command.h"

namespace rill {

// Generated tables (server/command_meta_data_*.cc), each sorted by name.
namespace command_meta_data {
std::span<const CommandMeta> DataTypes();
std::span<const CommandMeta> KeysAndScripting();
std::span<const CommandMeta> Server();
}  // namespace command_meta_data

namespace {

bool NameLess(const CommandMeta& a, const CommandMeta& b) { return a.name < b.name; }

// The generated files each hold one slice of the commands; lookups want one sorted array.
// CommandMeta is a bundle of views, so the copy is cheap and every span still points into the
// static generated arrays.
const std::vector<CommandMeta>& MergedCommands() {
  static const std::vector<CommandMeta> merged = [] {
    std::vector<CommandMeta> all;
    for (auto part : {command_meta_data::DataTypes(), command_meta_data::KeysAndScripting(),
                      command_meta_data::Server()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    std::sort(all.begin(), all.end(), NameLess);
    return all;
  }();
  return merged;
}

const CommandMeta* FindIn(std::span<const CommandMeta> sorted, std::string_view name) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), name,
                             [](const CommandMeta& m, std::string_view n) { return m.name < n; });
  if (it == sorted.end() || it->name != name) return nullptr;
  return &*it;
}

}  // namespace

std::span<const CommandMeta> AllCommandMeta() { return MergedCommands(); }

const CommandMeta* FindCommandMeta(std::string_view name) {
  size_t bar = name.find('|');
  const CommandMeta* parent = FindIn(AllCommandMeta(), name.substr(0, bar));
  if (parent == nullptr || bar == std::string_view::npos) return parent;
  // Subcommand entries carry the full "parent|sub" name.
  return FindIn(parent->subcommands, name);
}

uint32_t CommandFlagsFromMeta(const CommandMeta& meta) {
  struct NamedFlag {
    std::string_view name;
    uint32_t bit;
  };
  static constexpr NamedFlag kFlags[] = {
      {"write", kCmdWrite},
      {"readonly", kCmdReadonly},
      {"denyoom", kCmdDenyOom},
      {"admin", kCmdAdmin},
      {"pubsub", kCmdPubsub},
      {"noscript", kCmdNoScript},
      {"blocking", kCmdBlocking},
      {"loading", kCmdLoading},
      {"stale", kCmdStale},
      {"skip_monitor", kCmdSkipMonitor},
      {"skip_slowlog", kCmdSkipSlowlog},
      {"fast", kCmdFast},
      {"no_auth", kCmdNoAuth},
      {"no_multi", kCmdNoMulti},
      {"movablekeys", kCmdMovableKeys},
      {"allow_busy", kCmdAllowBusy},
      {"no_async_loading", kCmdNoAsyncLoading},
  };
  uint32_t bits = 0;
  for (std::string_view f : meta.flags) {
    for (const NamedFlag& nf : kFlags) {
      if (nf.name == f) bits |= nf.bit;
    }
  }
  return bits;
}

}  // namespace rill
