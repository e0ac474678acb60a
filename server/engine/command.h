// The command table: every command Rill runs, its metadata (from command_meta) and handler.
//
// A family file (server/commands/strings.cc, keys.cc, ...) defines handlers with the
// `CommandHandler` signature and registers them by name in its Register*Commands function; the
// arity, flags and key positions come from the command's metadata entry, declared once.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/string_util.h"
#include "protocol/reply_builder.h"
#include "server/engine/command_context.h"
#include "server/meta/command_meta.h"

namespace rill {

// Parsed flags of a command, for dispatch decisions (bit per Redis command flag we act on).
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadonly = 1u << 1,
  kCmdDenyOom = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdPubsub = 1u << 4,
  kCmdNoScript = 1u << 5,
  kCmdBlocking = 1u << 6,
  kCmdLoading = 1u << 7,
  kCmdStale = 1u << 8,
  kCmdSkipMonitor = 1u << 9,
  kCmdSkipSlowlog = 1u << 10,
  kCmdFast = 1u << 11,
  kCmdNoAuth = 1u << 12,
  kCmdNoMulti = 1u << 13,
  kCmdMovableKeys = 1u << 14,
  kCmdAllowBusy = 1u << 15,
  kCmdNoAsyncLoading = 1u << 20,  // "no_async_loading"; the internal flags start at 16
  // ---- Internal flags, not in COMMAND INFO: given by the family at registration ----
  // Redis's CMD_MAY_REPLICATE: commands that are not writes but may propagate something
  // (PUBLISH, EVAL ...). CLIENT PAUSE WRITE holds them too.
  kCmdMayReplicate = 1u << 16,
  // Runs at once inside MULTI instead of being queued (EXEC DISCARD MULTI WATCH QUIT RESET).
  kCmdRunsInMulti = 1u << 17,
  // Ends an open transaction, so it still runs when memory is over maxmemory inside MULTI
  // (EXEC DISCARD QUIT RESET).
  kCmdEndsTransaction = 1u << 18,
  // What a RESP2 connection with subscriptions may still run ((P|S)(UN)SUBSCRIBE PING QUIT
  // RESET).
  kCmdAllowedWhileSubscribed = 1u << 19,
};

class LatencyHistogram;
class Engine;
using CommandHandler = void (*)(CommandContext& ctx);

struct Command {
  std::string name;  // lower case; "config|get" for subcommands
  const CommandMeta* meta = nullptr;
  CommandHandler handler = nullptr;
  uint32_t flags = 0;
  int arity = 0;
  int acl_id = -1;  // id in acl::CommandIndex (ACL permission bit)
  // Subcommands, by lower-case subcommand name ("get" for CONFIG GET).
  StringMap<Command> subcommands;
  // Per-command statistics for INFO commandstats.
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
  // For INFO latencystats; allocated when the command first runs (latency-tracking yes).
  std::shared_ptr<LatencyHistogram> latency_histogram;
  // The flags a call with these arguments has, when they depend on them (EVAL's and FCALL's
  // come from the script: Redis's getCommandFlags); null: `flags`.
  uint32_t (*flags_for)(Engine& engine, std::span<const std::string_view> args,
                        uint32_t flags) = nullptr;
};

class CommandTable {
 public:
  // Registers a handler for `name` ("get", or "config|get" for a subcommand), with the internal
  // flags (kCmdMayReplicate ...) the family gives it. The metadata is looked up in command_meta;
  // registering a command without metadata is a programming error and aborts at start-up.
  void Add(std::string_view name, CommandHandler handler, uint32_t internal_flags = 0);

  // Lookup by the name as the client sent it (any case). nullptr if unknown.
  Command* Find(std::string_view name);
  const Command* Find(std::string_view name) const;

  size_t size() const { return commands_.size(); }
  template <typename F>
  void ForEach(F&& f) const {
    for (const auto& [name, cmd] : commands_) f(cmd);
  }
  template <typename F>
  void ForEachMutable(F&& f) {
    for (auto& [name, cmd] : commands_) f(cmd);
  }

 private:
  // The spellings looked up last, one per slot by a cheap hash of their length and end bytes.
  // A pipeline repeats the same few names; a hit costs one compare of a few bytes instead of
  // lower-casing the name and a hash-map probe (what that saved: bench/README.md, levers).
  struct CachedName {
    char bytes[15];
    uint8_t size = 0;
    Command* cmd = nullptr;
  };
  static constexpr size_t kCacheSlots = 64;
  static size_t CacheSlot(std::string_view name) {
    return (name.size() * 31 + static_cast<unsigned char>(name[0]) +
            static_cast<unsigned char>(name.back()) * 7) %
           kCacheSlots;
  }

  StringMap<Command> commands_;
  // Filled by Find, emptied by Add (which may move every Command the map holds).
  mutable std::array<CachedName, kCacheSlots> cache_{};
};

// Builds the table with every family's commands.
void RegisterAllCommands(CommandTable& table);

// Family registration functions, one per file in server/commands/.
void RegisterStringCommands(CommandTable& table);
void RegisterKeyCommands(CommandTable& table);
void RegisterConnectionCommands(CommandTable& table);
void RegisterServerCommands(CommandTable& table);
void RegisterIntrospectionCommands(CommandTable& table);  // COMMAND ...
void RegisterConfigCommands(CommandTable& table);
void RegisterListBasicCommands(CommandTable& table);  // lists.cc
void RegisterListRangeCommands(CommandTable& table);  // lists_range.cc
void RegisterListMoveCommands(CommandTable& table);
void RegisterZSetCommands(CommandTable& table);         // zsets*.cc
void RegisterTransactionCommands(CommandTable& table);  // transactions.cc
void RegisterPubSubCommands(
    CommandTable& table);  // pubsub.cc   // lists_move.cc (and blocking forms)
void RegisterStreamCommands(CommandTable& table);  // stream_*.cc
void RegisterSlowlogCommands(CommandTable& table);
void RegisterLatencyCommands(CommandTable& table);
void RegisterAclCommands(CommandTable& table);          // acl.cc
void RegisterSnapshotCommands(CommandTable& table);     // snapshot.cc: SAVE BGSAVE LASTSAVE
void RegisterAofCommands(CommandTable& table);          // aof_commands.cc
void RegisterClientAdminCommands(CommandTable& table);  // client_admin.cc
void RegisterMemoryCommands(CommandTable& table);       // memory.cc
void RegisterHashCommands(CommandTable& table);         // hashes*.cc
void RegisterSetCommands(CommandTable& table);          // sets*.cc
void RegisterBitmapCommands(CommandTable& table);       // bitmaps.cc
void RegisterHyperLogLogCommands(CommandTable& table);  // hyperloglog_commands.cc
void RegisterScriptingCommands(CommandTable& table);    // scripting_commands.cc: EVAL SCRIPT
void RegisterFunctionCommands(CommandTable& table);     // functions_commands.cc: FCALL FUNCTION
void RegisterSortCommands(CommandTable& table);         // sort.cc: SORT SORT_RO
void RegisterDumpCommands(CommandTable& table);         // keys_dump.cc: DUMP RESTORE
void RegisterMigrateCommands(CommandTable& table);      // keys_migrate.cc: MIGRATE
void RegisterReplicationCommands(CommandTable& table);  // replication_commands.cc: PSYNC WAIT
// client_tracking.cc: CLIENT TRACKING CACHING GETREDIR TRACKINGINFO
void RegisterClientTrackingCommands(CommandTable& table);

}  // namespace rill
