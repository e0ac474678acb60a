// An ACL user: on/off, passwords (stored as SHA-256 hex), and selectors. Rules follow Redis 7.0's
// ACLSetUser; Describe() is the ACL LIST / ACL SAVE form.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/acl/selector.h"

namespace rill::acl {

class User {
 public:
  // A new user as Redis creates one: off, no passwords, a root selector allowing nothing.
  User(std::string name, bool all_channels_default);

  const std::string& name() const { return name_; }
  bool enabled() const { return flags_ & kEnabled; }
  bool nopass() const { return flags_ & kNoPass; }
  const std::vector<std::string>& passwords() const { return passwords_; }
  std::span<const Selector> selectors() const { return selectors_; }
  const Selector& root() const { return selectors_.front(); }

  // True when some selector allows every command, key and channel: then no per-command check is
  // needed at all (the engine's fast path).
  bool unrestricted() const { return unrestricted_; }

  // Applies one rule (a selector rule, "on", ">pass", "(...)", "reset" ...). An empty rule does
  // nothing. `all_channels_default` is acl-pubsub-default, used by rules that create selectors.
  RuleError Apply(std::string_view op, bool all_channels_default);

  // Password check (constant-time comparison against every stored hash).
  bool PasswordMatches(std::string_view password) const;

  // Redis's ACLCheckAllUserCommandPerm: kNone if some selector allows the call; otherwise the
  // most relevant reason, with *pos the refused argument for keys and channels.
  Denial Check(const CommandEntry& cmd, std::span<const std::string_view> args, int* pos) const;
  bool AllowsChannel(std::string_view channel, bool is_pattern) const;
  // Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess: some one selector both allows the call
  // and has every permission in `permissions` over the whole keyspace (SORT's BY and GET
  // patterns reach keys no argument names, so they need it).
  bool CheckWithUnrestrictedKeyAccess(const CommandEntry& cmd,
                                      std::span<const std::string_view> args,
                                      uint8_t permissions) const;

  // "on #<hash> ~* &* +@all (...)" as ACL LIST shows it after "user <name> ".
  std::string Describe() const;
  // The flag names ACL GETUSER lists ("on", "nopass", "sanitize-payload" ...).
  std::vector<std::string_view> FlagNames() const;

  // Copies everything but the name (Redis's ACLCopyUser).
  void CopyRulesFrom(const User& other);

 private:
  enum Flag : uint32_t {
    kEnabled = 1,
    kDisabled = 2,
    kNoPass = 4,
    kSkipSanitizePayload = 8,
    kSanitizePayload = 16,
  };
  void UpdateUnrestricted();

  std::string name_;
  uint32_t flags_ = kDisabled;
  std::vector<std::string> passwords_;
  std::vector<Selector> selectors_;  // [0] is the root selector
  bool unrestricted_ = false;
};

// Rules of ACL SETUSER or a `user` line with selectors rejoined: "(+get" "~x)" become "(+get ~x)"
// as Redis's ACLMergeSelectorArguments does. Returns false if a '(' is never closed, with
// *unmatched the index of the argument that opened it.
bool MergeSelectorArgs(std::span<const std::string_view> args, std::vector<std::string>* merged,
                       size_t* unmatched);

}  // namespace rill::acl
