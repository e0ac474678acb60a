// One ACL selector: which commands, keys and Pub/Sub channels a set of rules allows. Every user
// has a root selector (the rules written outside parentheses) and may have more, each written as
// `(rules)`; a command is allowed when any selector allows it. Rules and their texts follow
// Redis 7.0's ACLSetSelector, and descriptions reproduce ACL LIST / ACL GETUSER.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/acl/command_index.h"
#include "server/engine/key_specs.h"

namespace rill::acl {

// Why a rule was refused; each has Redis's message (RuleErrorText).
enum class RuleError : uint8_t {
  kNone,
  kSyntax,                   // EINVAL
  kUnknownCommand,           // ENOENT: unknown command or category
  kKeyAfterAllKeys,          // EEXIST
  kChannelAfterAllChannels,  // EISDIR
  kNoSuchPassword,           // ENODEV
  kBadHash,                  // EBADMSG
  kDuplicateUser,            // EALREADY
  kFirstArgOfSubcommand,     // ECHILD
};
std::string_view RuleErrorText(RuleError error);

// Redis's ACLStringHasSpaces: user names and patterns may hold no whitespace or NUL, so that
// rules can be written back as one space-separated line.
bool HasSpacesOrNul(std::string_view s);

// Why a command is refused, numbered as Redis does: across selectors the highest reason wins.
enum class Denial : int { kNone = 0, kCommand = 1, kKey = 2, kAuth = 3, kChannel = 4 };

// The keys of one call, found once and shared by all selectors that need them.
struct KeyCache {
  bool found = false;
  std::vector<FoundKey> keys;
};

enum KeyPermission : uint8_t { kKeyRead = 1, kKeyWrite = 2, kKeyReadWrite = 3 };

struct KeyPattern {
  std::string pattern;
  uint8_t permissions = 0;  // KeyPermission bits
};

class Selector {
 public:
  // `all_channels` is acl-pubsub-default: new selectors start with every channel or none.
  Selector(bool root, bool all_channels);

  // Applies one selector rule (command, key or channel rule).
  RuleError Apply(std::string_view op);

  // Redis's ACLSelectorCheckCmd for `args` (args[0] the command name). On a key or channel
  // denial *pos is the argument refused.
  Denial Check(const CommandEntry& cmd, std::span<const std::string_view> args, KeyCache& cache,
               int* pos) const;
  // Channel (or, with is_pattern, PSUBSCRIBE pattern) against this selector's channel rules.
  bool AllowsChannel(std::string_view channel, bool is_pattern) const;
  // Redis's ACLSelectorHasUnrestrictedKeyAccess: allkeys, or a key pattern that is exactly "*"
  // with every permission in `permissions` (KeyPermission bits). "~?" matches the key "*" but
  // does not count: the pattern itself must be "*".
  bool HasUnrestrictedKeyAccess(uint8_t permissions) const;

  // The command bit alone (first-argument exceptions aside).
  bool AllowsCommand(int id) const { return (flags_ & kAllCommands) || allowed_.test(id); }
  bool root() const { return flags_ & kRoot; }
  bool all_keys() const { return flags_ & kAllKeys; }
  bool all_channels() const { return flags_ & kAllChannels; }
  bool all_commands() const { return flags_ & kAllCommands; }
  const std::vector<std::string>& channels() const { return channels_; }

  // ACL LIST form: "~key... resetchannels &chan... -@all +get ...".
  std::string Describe() const;
  // ACL GETUSER fields.
  std::string DescribeCommands() const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;

 private:
  enum Flag : uint32_t { kRoot = 1, kAllKeys = 2, kAllChannels = 4, kAllCommands = 8 };

  RuleError ApplyCommandRule(std::string_view op);
  RuleError ApplyKeyRule(std::string_view op);
  void ChangeCommand(int id, bool allow);
  void ChangeCategory(int category, bool allow);

  uint32_t flags_ = 0;
  CommandBits allowed_;
  // Set by +@all / allcommands, cleared by -@all / nocommands: the rules start from everything
  // (Redis's reserved "future commands" bit), which decides how they are described.
  bool from_all_ = false;
  // `+select|0`: first arguments allowed for an otherwise denied command, by command id.
  std::map<int, std::vector<std::string>> first_args_;
  std::vector<KeyPattern> keys_;
  std::vector<std::string> channels_;
};

}  // namespace rill::acl
