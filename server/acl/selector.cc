#include "server/acl/selector.h"

#include <cctype>
#include <climits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/number_parse.h"
#include "common/string_util.h"
#include "datastructs/glob.h"
#include "server/observe/log.h"

namespace rill::acl {
namespace {

void AppendKeyPattern(const KeyPattern& p, std::string* out) {
  switch (p.permissions) {
    case kKeyReadWrite:
      *out += "~";
      break;
    case kKeyRead:
      *out += "%R~";
      break;
    default:
      *out += "%W~";
      break;
  }
  *out += p.pattern;
}

}  // namespace

bool HasSpacesOrNul(std::string_view s) {
  for (unsigned char c : s) {
    if (std::isspace(c) || c == 0) return true;
  }
  return false;
}

std::string_view RuleErrorText(RuleError error) {
  switch (error) {
    case RuleError::kUnknownCommand:
      return "Unknown command or category name in ACL";
    case RuleError::kSyntax:
      return "Syntax error";
    case RuleError::kKeyAfterAllKeys:
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
             "not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case RuleError::kChannelAfterAllChannels:
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
             "does not have any effect. Try 'resetchannels' to start with an empty list of "
             "channels";
    case RuleError::kNoSuchPassword:
      return "The password you are trying to remove from the user does not exist";
    case RuleError::kBadHash:
      return "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters";
    case RuleError::kDuplicateUser:
      return "Duplicate user found. A user can only be defined once in config files";
    case RuleError::kFirstArgOfSubcommand:
      return "Allowing first-arg of a subcommand is not supported";
    case RuleError::kNone:
      break;
  }
  return "Wrong format";
}

Selector::Selector(bool root, bool all_channels)
    : flags_((root ? uint32_t{kRoot} : 0u) | (all_channels ? uint32_t{kAllChannels} : 0u)) {}

void Selector::ChangeCommand(int id, bool allow) {
  CommandBits reach = CommandIndex::Get().CommandReach(id);
  if (allow) {
    allowed_ |= reach;
  } else {
    allowed_ &= ~reach;
    flags_ &= ~kAllCommands;
  }
  first_args_.erase(id);
}

void Selector::ChangeCategory(int category, bool allow) {
  const CommandIndex& index = CommandIndex::Get();
  if (allow) {
    allowed_ |= index.CategoryReach(category);
  } else {
    allowed_ &= ~index.CategoryReach(category);
    flags_ &= ~kAllCommands;
  }
  const CommandBits& members = index.InCategory(category);
  for (auto it = first_args_.begin(); it != first_args_.end();) {
    it = members.test(it->first) ? first_args_.erase(it) : std::next(it);
  }
}

RuleError Selector::Apply(std::string_view op) {
  if (EqualsIgnoreCase(op, "allkeys") || EqualsIgnoreCase(op, "~*")) {
    flags_ |= kAllKeys;
    keys_.clear();
  } else if (EqualsIgnoreCase(op, "resetkeys")) {
    flags_ &= ~kAllKeys;
    keys_.clear();
  } else if (EqualsIgnoreCase(op, "allchannels") || EqualsIgnoreCase(op, "&*")) {
    flags_ |= kAllChannels;
    channels_.clear();
  } else if (EqualsIgnoreCase(op, "resetchannels")) {
    flags_ &= ~kAllChannels;
    channels_.clear();
  } else if (EqualsIgnoreCase(op, "allcommands") || EqualsIgnoreCase(op, "+@all")) {
    allowed_.set();
    from_all_ = true;
    flags_ |= kAllCommands;
    first_args_.clear();
  } else if (EqualsIgnoreCase(op, "nocommands") || EqualsIgnoreCase(op, "-@all")) {
    allowed_.reset();
    from_all_ = false;
    flags_ &= ~kAllCommands;
    first_args_.clear();
  } else if (!op.empty() && (op[0] == '~' || op[0] == '%')) {
    return ApplyKeyRule(op);
  } else if (!op.empty() && op[0] == '&') {
    if (flags_ & kAllChannels) return RuleError::kChannelAfterAllChannels;
    std::string_view pattern = op.substr(1);
    if (HasSpacesOrNul(pattern)) return RuleError::kSyntax;
    bool known = false;
    for (const std::string& c : channels_) known |= c == pattern;
    if (!known) channels_.emplace_back(pattern);
    flags_ &= ~kAllChannels;
  } else if (op.size() >= 1 && (op[0] == '+' || op[0] == '-')) {
    return ApplyCommandRule(op);
  } else {
    return RuleError::kSyntax;
  }
  return RuleError::kNone;
}

RuleError Selector::ApplyKeyRule(std::string_view op) {
  if (flags_ & kAllKeys) return RuleError::kKeyAfterAllKeys;
  uint8_t permissions = 0;
  size_t offset = 1;
  if (op[0] == '%') {
    // %R~, %W~, %RW~ (letters in any case and order, each once).
    for (; offset < op.size(); ++offset) {
      char c = absl::ascii_toupper(op[offset]);
      if (c == 'R' && !(permissions & kKeyRead)) {
        permissions |= kKeyRead;
      } else if (c == 'W' && !(permissions & kKeyWrite)) {
        permissions |= kKeyWrite;
      } else if (op[offset] == '~') {
        ++offset;
        break;
      } else {
        return RuleError::kSyntax;
      }
    }
    if (permissions == 0) return RuleError::kSyntax;
  } else {
    permissions = kKeyReadWrite;
  }
  std::string_view pattern = op.substr(offset);
  if (HasSpacesOrNul(pattern)) return RuleError::kSyntax;
  bool merged = false;
  for (KeyPattern& existing : keys_) {
    if (existing.pattern == pattern) {
      existing.permissions |= permissions;
      merged = true;
    }
  }
  if (!merged) keys_.push_back(KeyPattern{std::string(pattern), permissions});
  flags_ &= ~kAllKeys;
  return RuleError::kNone;
}

RuleError Selector::ApplyCommandRule(std::string_view op) {
  const bool allow = op[0] == '+';
  std::string_view name = op.substr(1);
  const CommandIndex& index = CommandIndex::Get();
  if (!name.empty() && name[0] == '@') {
    int category = CategoryIndex(name.substr(1));
    if (category < 0) return RuleError::kUnknownCommand;
    ChangeCategory(category, allow);
    return RuleError::kNone;
  }
  size_t bar = name.rfind('|');
  if (!allow || bar == std::string_view::npos) {
    const CommandEntry* cmd = index.Find(name);
    if (cmd == nullptr) return RuleError::kUnknownCommand;
    ChangeCommand(cmd->id, allow);
    return RuleError::kNone;
  }
  // +command|sub: a subcommand of a container, or a first argument of a plain command.
  const CommandEntry* cmd = index.Find(name.substr(0, bar));
  std::string_view first_arg = name.substr(bar + 1);
  if (cmd == nullptr) return RuleError::kUnknownCommand;
  if (cmd->parent >= 0) return RuleError::kFirstArgOfSubcommand;
  if (first_arg.empty()) return RuleError::kSyntax;
  if (cmd->num_subs > 0) {
    const CommandEntry* sub = index.Find(name);
    if (sub == nullptr) return RuleError::kUnknownCommand;
    ChangeCommand(sub->id, true);
    return RuleError::kNone;
  }
  Log(LogLevel::kWarning,
      "Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of "
      "ACL and may get disabled in the future (offender: +%s)",
      std::string(name));
  std::vector<std::string>& args = first_args_[cmd->id];
  for (const std::string& a : args) {
    if (EqualsIgnoreCase(a, first_arg)) return RuleError::kNone;
  }
  args.emplace_back(first_arg);
  return RuleError::kNone;
}

bool Selector::AllowsChannel(std::string_view channel, bool is_pattern) const {
  if (flags_ & kAllChannels) return true;
  for (const std::string& pattern : channels_) {
    // A PSUBSCRIBE pattern is allowed only by the very same pattern, never by matching.
    if (is_pattern ? pattern == channel : ds::GlobMatch(pattern, channel)) return true;
  }
  return false;
}

bool Selector::HasUnrestrictedKeyAccess(uint8_t permissions) const {
  if (flags_ & kAllKeys) return true;
  for (const KeyPattern& p : keys_) {
    if ((p.permissions & permissions) == permissions && p.pattern == "*") return true;
  }
  return false;
}

Denial Selector::Check(const CommandEntry& cmd, std::span<const std::string_view> args,
                       KeyCache& cache, int* pos) const {
  if (!(flags_ & kAllCommands) && !cmd.no_auth && !allowed_.test(cmd.id)) {
    auto it = first_args_.find(cmd.id);
    const size_t idx = cmd.parent >= 0 ? 2 : 1;
    if (it == first_args_.end() || args.size() <= idx) return Denial::kCommand;
    bool match = false;
    for (const std::string& a : it->second) match |= EqualsIgnoreCase(a, args[idx]);
    if (!match) return Denial::kCommand;
  }
  if (!(flags_ & kAllKeys) && cmd.has_keys) {
    if (!cache.found) {
      FindCommandKeys(*cmd.meta, args, &cache.keys);
      cache.found = true;
    }
    for (const FoundKey& key : cache.keys) {
      uint8_t needed = 0;
      if (ContainsFlag(key.flags, "access")) needed |= kKeyRead;
      if (ContainsFlag(key.flags, "insert") || ContainsFlag(key.flags, "delete") ||
          ContainsFlag(key.flags, "update")) {
        needed |= kKeyWrite;
      }
      bool ok = false;
      for (const KeyPattern& p : keys_) {
        if ((p.permissions & needed) == needed && ds::GlobMatch(p.pattern, args[key.pos])) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        *pos = static_cast<int>(key.pos);
        return Denial::kKey;
      }
    }
  }
  if (!(flags_ & kAllChannels) && cmd.channels != ChannelArgs::kNone) {
    const size_t end =
        cmd.channels == ChannelArgs::kFirst ? std::min<size_t>(2, args.size()) : args.size();
    for (size_t i = 1; i < end; ++i) {
      if (!AllowsChannel(args[i], cmd.channels == ChannelArgs::kPatterns)) {
        *pos = static_cast<int>(i);
        return Denial::kChannel;
      }
    }
  }
  return Denial::kNone;
}

std::string Selector::DescribeCommands() const {
  // Redis's ACLDescribeSelectorCommandRules: start from +@all or -@all, then greedily add (or
  // remove) the category that best fits the remaining difference, then fix single commands.
  const CommandIndex& index = CommandIndex::Get();
  const bool additive = !from_all_;
  std::string rules = additive ? "-@all " : "+@all ";
  CommandBits fake;
  if (!additive) fake.set();
  CommandBits temp = allowed_;
  bool applied[kNumCategories] = {};
  while (true) {
    int best = -1;
    size_t min_diff = INT_MAX, max_same = 0;
    for (int c = 0; c < kNumCategories; ++c) {
      if (applied[c]) continue;
      const CommandBits& members = index.InCategory(c);
      size_t on = (temp & members).count();
      size_t off = members.count() - on;
      size_t diff = additive ? off : on;
      size_t same = additive ? on : off;
      if (same > diff && (diff < min_diff || (diff == min_diff && same > max_same))) {
        best = c;
        min_diff = diff;
        max_same = same;
      }
    }
    if (best < 0) break;
    const CommandBits& reach = index.CategoryReach(best);
    if (additive) {
      fake |= reach;
      temp &= ~reach;
    } else {
      fake &= ~reach;
      temp |= reach;
    }
    absl::StrAppend(&rules, additive ? "+@" : "-@", ToAbsl(kCategoryNames[best]), " ");
    applied[best] = true;
  }
  // Single commands, each container before its subcommands (Redis walks its command dict in hash
  // order, so only the set of these rules, not their order, is the same as Redis's).
  for (const CommandEntry& cmd : index.all()) {
    const bool user_bit = allowed_.test(cmd.id);
    if (user_bit != fake.test(cmd.id)) {
      absl::StrAppend(&rules, user_bit ? "+" : "-", ToAbsl(cmd.fullname), " ");
      CommandBits reach = index.CommandReach(cmd.id);
      fake = user_bit ? (fake | reach) : (fake & ~reach);
    }
    if (!user_bit) {
      auto it = first_args_.find(cmd.id);
      if (it == first_args_.end()) continue;
      for (const std::string& arg : it->second) {
        absl::StrAppend(&rules, "+", ToAbsl(cmd.fullname), "|", arg, " ");
      }
    }
  }
  rules.pop_back();
  return rules;
}

std::string Selector::DescribeKeys() const {
  if (flags_ & kAllKeys) return "~*";
  std::string out;
  for (const KeyPattern& p : keys_) {
    if (!out.empty()) out += ' ';
    AppendKeyPattern(p, &out);
  }
  return out;
}

std::string Selector::DescribeChannels() const {
  if (flags_ & kAllChannels) return "&*";
  std::string out;
  for (const std::string& c : channels_) {
    if (!out.empty()) out += ' ';
    absl::StrAppend(&out, "&", c);
  }
  return out;
}

std::string Selector::Describe() const {
  std::string out;
  if (flags_ & kAllKeys) {
    out += "~* ";
  } else {
    for (const KeyPattern& p : keys_) {
      AppendKeyPattern(p, &out);
      out += ' ';
    }
  }
  if (flags_ & kAllChannels) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    for (const std::string& c : channels_) absl::StrAppend(&out, "&", c, " ");
  }
  out += DescribeCommands();
  return out;
}

}  // namespace rill::acl
