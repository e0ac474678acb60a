#include "server/engine/command.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "server/acl/command_index.h"
#include "server/engine/engine.h"

namespace rill {

namespace {

int AclIdOf(std::string_view name) {
  const acl::CommandEntry* entry = acl::CommandIndex::Get().Find(name);
  return entry == nullptr ? -1 : entry->id;
}

}  // namespace

void CommandTable::Add(std::string_view name, CommandHandler handler, uint32_t internal_flags) {
  cache_ = {};
  const CommandMeta* meta = FindCommandMeta(name);
  if (meta == nullptr) {
    std::fprintf(stderr, "BUG: command '%.*s' registered without metadata\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  Command cmd;
  cmd.name = std::string(name);
  cmd.meta = meta;
  cmd.handler = handler;
  cmd.flags = CommandFlagsFromMeta(*meta) | internal_flags;
  cmd.arity = meta->arity;
  cmd.acl_id = AclIdOf(name);

  size_t bar = name.find('|');
  if (bar == std::string_view::npos) {
    Command& slot = commands_[cmd.name];
    // A container may have been created implicitly by an earlier subcommand registration.
    auto subs = std::move(slot.subcommands);
    slot = std::move(cmd);
    slot.subcommands = std::move(subs);
    return;
  }
  std::string parent_name(name.substr(0, bar));
  Command& parent = commands_[parent_name];
  if (parent.meta == nullptr) {
    parent.name = parent_name;
    parent.meta = FindCommandMeta(parent_name);
    if (parent.meta != nullptr) {
      parent.flags = CommandFlagsFromMeta(*parent.meta);
      parent.arity = parent.meta->arity;
      parent.acl_id = AclIdOf(parent_name);
    }
  }
  parent.subcommands[std::string(name.substr(bar + 1))] = std::move(cmd);
}

Command* CommandTable::Find(std::string_view name) {
  CachedName* cached = nullptr;
  if (!name.empty() && name.size() <= sizeof(CachedName::bytes)) {
    cached = &cache_[CacheSlot(name)];
    if (cached->size == name.size() && std::memcmp(cached->bytes, name.data(), name.size()) == 0) {
      return cached->cmd;
    }
  }
  char lower[64];
  if (name.size() >= sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) lower[i] = absl::ascii_tolower(name[i]);
  auto it = commands_.find(std::string_view(lower, name.size()));
  if (it == commands_.end()) return nullptr;
  if (cached != nullptr) {
    std::memcpy(cached->bytes, name.data(), name.size());
    cached->size = static_cast<uint8_t>(name.size());
    cached->cmd = &it->second;
  }
  return &it->second;
}

const Command* CommandTable::Find(std::string_view name) const {
  return const_cast<CommandTable*>(this)->Find(name);
}

void RegisterAllCommands(CommandTable& table) {
  RegisterStringCommands(table);
  RegisterKeyCommands(table);
  RegisterConnectionCommands(table);
  RegisterClientAdminCommands(table);
  RegisterClientTrackingCommands(table);
  RegisterMemoryCommands(table);
  RegisterServerCommands(table);
  RegisterIntrospectionCommands(table);
  RegisterConfigCommands(table);
  RegisterStreamCommands(table);
  RegisterListBasicCommands(table);
  RegisterListRangeCommands(table);
  RegisterListMoveCommands(table);
  RegisterHashCommands(table);
  RegisterSetCommands(table);
  RegisterZSetCommands(table);
  RegisterTransactionCommands(table);
  RegisterPubSubCommands(table);
  RegisterSlowlogCommands(table);
  RegisterLatencyCommands(table);
  RegisterAclCommands(table);
  RegisterSnapshotCommands(table);
  RegisterAofCommands(table);
  RegisterBitmapCommands(table);
  RegisterHyperLogLogCommands(table);
  RegisterScriptingCommands(table);
  RegisterFunctionCommands(table);
  RegisterSortCommands(table);
  RegisterDumpCommands(table);
  RegisterMigrateCommands(table);
  RegisterReplicationCommands(table);
}

}  // namespace rill
