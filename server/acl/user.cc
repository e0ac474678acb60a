#include "server/acl/user.h"

#include "absl/strings/str_cat.h"
#include "common/number_parse.h"
#include "common/string_util.h"
#include "server/acl/password.h"
#include "server/config/config_syntax.h"

namespace rill::acl {

User::User(std::string name, bool all_channels_default) : name_(std::move(name)) {
  selectors_.emplace_back(/*root=*/true, all_channels_default);
  UpdateUnrestricted();
}

void User::UpdateUnrestricted() {
  unrestricted_ = false;
  for (const Selector& s : selectors_) {
    if (s.all_commands() && s.all_keys() && s.all_channels()) unrestricted_ = true;
  }
}

void User::CopyRulesFrom(const User& other) {
  flags_ = other.flags_;
  passwords_ = other.passwords_;
  selectors_ = other.selectors_;
  unrestricted_ = other.unrestricted_;
}

RuleError User::Apply(std::string_view op, bool all_channels_default) {
  RuleError result = RuleError::kNone;
  if (op.empty()) {
    return RuleError::kNone;
  } else if (EqualsIgnoreCase(op, "on")) {
    flags_ = (flags_ | kEnabled) & ~kDisabled;
  } else if (EqualsIgnoreCase(op, "off")) {
    flags_ = (flags_ | kDisabled) & ~kEnabled;
  } else if (EqualsIgnoreCase(op, "skip-sanitize-payload")) {
    flags_ = (flags_ | kSkipSanitizePayload) & ~kSanitizePayload;
  } else if (EqualsIgnoreCase(op, "sanitize-payload")) {
    flags_ = (flags_ | kSanitizePayload) & ~kSkipSanitizePayload;
  } else if (EqualsIgnoreCase(op, "nopass")) {
    flags_ |= kNoPass;
    passwords_.clear();
  } else if (EqualsIgnoreCase(op, "resetpass")) {
    flags_ &= ~kNoPass;
    passwords_.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (op[0] == '>') {
      hash = HashPassword(op.substr(1));
    } else {
      if (!IsValidPasswordHash(op.substr(1))) return RuleError::kBadHash;
      hash = std::string(op.substr(1));
    }
    bool known = false;
    for (const std::string& p : passwords_) known |= p == hash;
    if (!known) passwords_.push_back(std::move(hash));
    flags_ &= ~kNoPass;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (op[0] == '<') {
      hash = HashPassword(op.substr(1));
    } else {
      if (!IsValidPasswordHash(op.substr(1))) return RuleError::kBadHash;
      hash = std::string(op.substr(1));
    }
    auto it = std::find(passwords_.begin(), passwords_.end(), hash);
    if (it == passwords_.end()) return RuleError::kNoSuchPassword;
    passwords_.erase(it);
  } else if (op[0] == '(' && op.back() == ')') {
    // The rules inside are split as redis.conf arguments are (quotes allowed).
    // Unbalanced quotes leave Redis's split with no arguments: an empty selector.
    auto rules = config_syntax::SplitArgs(op.substr(1, op.size() - 2));
    if (!rules) rules.emplace();
    Selector selector(/*root=*/false, all_channels_default);
    for (const std::string& rule : *rules) {
      RuleError e = selector.Apply(rule);
      if (e != RuleError::kNone) return e;
    }
    selectors_.push_back(std::move(selector));
  } else if (EqualsIgnoreCase(op, "clearselectors")) {
    selectors_.erase(selectors_.begin() + 1, selectors_.end());
  } else if (EqualsIgnoreCase(op, "reset")) {
    Apply("resetpass", all_channels_default);
    Apply("resetkeys", all_channels_default);
    Apply("resetchannels", all_channels_default);
    if (all_channels_default) Apply("allchannels", all_channels_default);
    Apply("off", all_channels_default);
    Apply("sanitize-payload", all_channels_default);
    Apply("clearselectors", all_channels_default);
    Apply("-@all", all_channels_default);
  } else {
    result = selectors_.front().Apply(op);
  }
  UpdateUnrestricted();
  return result;
}

bool User::PasswordMatches(std::string_view password) const {
  if (flags_ & kNoPass) return true;
  const std::string hash = HashPassword(password);
  bool match = false;
  // Every stored hash is compared, so the time does not tell which one matched.
  for (const std::string& p : passwords_) match |= HashesEqual(hash, p);
  return match;
}

Denial User::Check(const CommandEntry& cmd, std::span<const std::string_view> args,
                   int* pos) const {
  KeyCache cache;
  Denial relevant = Denial::kCommand;
  int last_pos = 0;
  for (const Selector& s : selectors_) {
    int p = 0;
    Denial d = s.Check(cmd, args, cache, &p);
    if (d == Denial::kNone) return Denial::kNone;
    if (d > relevant || (d == relevant && p > last_pos)) {
      relevant = d;
      last_pos = p;
    }
  }
  *pos = last_pos;
  return relevant;
}

bool User::CheckWithUnrestrictedKeyAccess(const CommandEntry& cmd,
                                          std::span<const std::string_view> args,
                                          uint8_t permissions) const {
  KeyCache cache;
  for (const Selector& s : selectors_) {
    int pos = 0;
    if (s.Check(cmd, args, cache, &pos) == Denial::kNone &&
        s.HasUnrestrictedKeyAccess(permissions)) {
      return true;
    }
  }
  return false;
}

bool User::AllowsChannel(std::string_view channel, bool is_pattern) const {
  for (const Selector& s : selectors_) {
    if (s.AllowsChannel(channel, is_pattern)) return true;
  }
  return false;
}

std::vector<std::string_view> User::FlagNames() const {
  // Redis's order: on, off, nopass, skip-sanitize-payload, sanitize-payload.
  std::vector<std::string_view> names;
  if (flags_ & kEnabled) names.push_back("on");
  if (flags_ & kDisabled) names.push_back("off");
  if (flags_ & kNoPass) names.push_back("nopass");
  if (flags_ & kSkipSanitizePayload) names.push_back("skip-sanitize-payload");
  if (flags_ & kSanitizePayload) names.push_back("sanitize-payload");
  return names;
}

std::string User::Describe() const {
  std::string out;
  for (std::string_view flag : FlagNames()) absl::StrAppend(&out, ToAbsl(flag), " ");
  for (const std::string& p : passwords_) absl::StrAppend(&out, "#", p, " ");
  for (const Selector& s : selectors_) {
    if (s.root()) {
      out += s.Describe();
    } else {
      absl::StrAppend(&out, " (", s.Describe(), ")");
    }
  }
  return out;
}

bool MergeSelectorArgs(std::span<const std::string_view> args, std::vector<std::string>* merged,
                       size_t* unmatched) {
  merged->clear();
  bool open = false;
  size_t open_at = 0;
  std::string selector;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view op = args[i];
    // An opening argument restarts the selector even inside another one, as in Redis.
    if (!op.empty() && op[0] == '(' && op.back() != ')') {
      open = true;
      open_at = i;
      selector = std::string(op);
      continue;
    }
    if (open) {
      absl::StrAppend(&selector, " ", ToAbsl(op));
      if (!op.empty() && op.back() == ')') {
        open = false;
        merged->push_back(std::move(selector));
      }
      continue;
    }
    merged->emplace_back(op);
  }
  if (open) {
    *unmatched = open_at;
    return false;
  }
  return true;
}

}  // namespace rill::acl
