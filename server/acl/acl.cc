#include "server/acl/acl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/string_util.h"
#include "server/observe/log.h"

namespace rill::acl {
namespace {

constexpr std::string_view kDefaultUser = "default";

// The default user as Redis creates it: everything allowed, no password needed.
void MakeDefault(User& user, bool all_channels_default) {
  for (std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"}) {
    user.Apply(rule, all_channels_default);
  }
}

std::string Trim(std::string_view s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(chars);
  return std::string(s.substr(b, e - b + 1));
}

int64_t WallMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

Acl::Acl() {
  auto user = std::make_unique<User>(std::string(kDefaultUser), all_channels_default_);
  MakeDefault(*user, all_channels_default_);
  default_user_ = user.get();
  users_.emplace(std::string(kDefaultUser), std::move(user));
}

User* Acl::Find(std::string_view name) {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second.get();
}

void Acl::SetDefaultPassword(std::string_view password) {
  default_user_->Apply("resetpass", all_channels_default_);
  if (password.empty()) {
    default_user_->Apply("nopass", all_channels_default_);
  } else {
    default_user_->Apply(absl::StrCat(">", ToAbsl(password)), all_channels_default_);
  }
}

User* Acl::Authenticate(std::string_view name, std::string_view password) {
  User* user = Find(name);
  if (user == nullptr || !user->enabled()) return nullptr;
  return user->PasswordMatches(password) ? user : nullptr;
}

std::unique_ptr<User> Acl::StageSetUser(std::string_view name,
                                        std::span<const std::string_view> rules,
                                        std::string* error) const {
  auto staged = std::make_unique<User>(std::string(name), all_channels_default_);
  auto it = users_.find(name);
  if (it != users_.end()) staged->CopyRulesFrom(*it->second);
  for (std::string_view rule : rules) {
    RuleError e = staged->Apply(rule, all_channels_default_);
    if (e != RuleError::kNone) {
      *error = absl::StrFormat("ERR Error in ACL SETUSER modifier '%s': %s", std::string(rule),
                               std::string(RuleErrorText(e)));
      return nullptr;
    }
  }
  return staged;
}

User& Acl::CommitUser(const User& staged) {
  auto it = users_.find(staged.name());
  if (it == users_.end()) {
    it = users_.emplace(staged.name(), std::make_unique<User>(staged.name(), false)).first;
  }
  it->second->CopyRulesFrom(staged);
  return *it->second;
}

std::unique_ptr<User> Acl::RemoveUser(std::string_view name) {
  if (name == kDefaultUser) return nullptr;
  auto it = users_.find(name);
  if (it == users_.end()) return nullptr;
  std::unique_ptr<User> user = std::move(it->second);
  users_.erase(it);
  return user;
}

std::optional<std::vector<std::unique_ptr<User>>> Acl::LoadFile(const std::string& path,
                                                                std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error =
        absl::StrFormat("Error loading ACLs, opening file '%s': %s", path, std::strerror(errno));
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();

  // Loaded into a fresh set so that any error leaves the current users untouched.
  std::map<std::string, std::unique_ptr<User>, std::less<>> loaded;
  std::string errors;
  std::vector<std::string> lines = absl::StrSplit(text.str(), '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t line_number = i + 1;
    std::string line = Trim(lines[i], " \t\r\n");
    if (line.empty()) continue;
    // The file is split on single spaces, as Redis does (not with config-file quoting).
    std::vector<std::string> argv = absl::StrSplit(line, ' ');
    if (argv[0] != "user" || argv.size() < 2) {
      absl::StrAppendFormat(&errors,
                            "%s:%d should start with user keyword followed by the username. ", path,
                            line_number);
      continue;
    }
    if (HasSpacesOrNul(argv[1])) {
      absl::StrAppendFormat(&errors, "'%s:%d: username '%s' contains invalid characters. ", path,
                            line_number, argv[1]);
      continue;
    }
    if (loaded.contains(argv[1])) {
      absl::StrAppendFormat(&errors, "WARNING: Duplicate user '%s' found on line %d. ", argv[1],
                            line_number);
      continue;
    }
    auto user = std::make_unique<User>(argv[1], all_channels_default_);
    std::vector<std::string_view> rules(argv.begin() + 2, argv.end());
    std::vector<std::string> merged;
    size_t unmatched = 0;
    if (!MergeSelectorArgs(rules, &merged, &unmatched)) {
      absl::StrAppendFormat(&errors, "%s:%d: Unmatched parenthesis in selector definition.", path,
                            line_number);
      merged.clear();
    }
    // Unknown commands are each named (nothing secret in them); of the other errors only the
    // first of a line is reported, since it may be why later rules fail.
    bool reported = false;
    for (const std::string& merged_rule : merged) {
      std::string rule = Trim(merged_rule, "\t\r\n");
      RuleError e = user->Apply(rule, all_channels_default_);
      if (e == RuleError::kUnknownCommand) {
        absl::StrAppendFormat(&errors, "%s:%d: Error in applying operation '%s': %s. ", path,
                              line_number, rule, std::string(RuleErrorText(e)));
      } else if (e != RuleError::kNone && !reported) {
        absl::StrAppendFormat(&errors, "%s:%d: %s. ", path, line_number,
                              std::string(RuleErrorText(e)));
        reported = true;
      }
    }
    loaded.emplace(argv[1], std::move(user));
  }
  if (!errors.empty()) {
    *error = errors +
             "WARNING: ACL errors detected, no change to the previously active ACL rules was "
             "performed";
    return std::nullopt;
  }

  // The default user object stays (clients point at it); it takes the file's rules.
  auto file_default = loaded.find(kDefaultUser);
  if (file_default != loaded.end()) {
    default_user_->CopyRulesFrom(*file_default->second);
    loaded.erase(file_default);
  } else {
    User fresh(std::string(kDefaultUser), all_channels_default_);
    MakeDefault(fresh, all_channels_default_);
    default_user_->CopyRulesFrom(fresh);
  }
  std::unique_ptr<User> kept_default;
  std::vector<std::unique_ptr<User>> replaced;
  for (auto& [name, user] : users_) {
    if (user.get() == default_user_) {
      kept_default = std::move(user);
    } else {
      replaced.push_back(std::move(user));
    }
  }
  users_ = std::move(loaded);
  users_.emplace(std::string(kDefaultUser), std::move(kept_default));
  return replaced;
}

bool Acl::SaveFile(const std::string& path) const {
  std::string text;
  for (const auto& [name, user] : users_) {
    absl::StrAppend(&text, "user ", name, " ", user->Describe(), "\n");
  }
  std::string tmp = absl::StrFormat("%s.tmp-%d-%d", path, static_cast<int>(getpid()), WallMs());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd == -1) {
    Log(LogLevel::kWarning, "Opening temp ACL file for ACL SAVE: %s", std::strerror(errno));
    return false;
  }
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (!ok) Log(LogLevel::kWarning, "Writing ACL file for ACL SAVE: %s", std::strerror(errno));
  // fsync so that a crash right after ACL SAVE cannot leave an empty file in place.
  if (ok && fsync(fd) != 0) {
    Log(LogLevel::kWarning, "Syncing ACL file for ACL SAVE: %s", std::strerror(errno));
    ok = false;
  }
  close(fd);
  if (ok && rename(tmp.c_str(), path.c_str()) == -1) {
    Log(LogLevel::kWarning, "Renaming ACL file for ACL SAVE: %s", std::strerror(errno));
    ok = false;
  }
  if (!ok) unlink(tmp.c_str());
  return ok;
}

bool Acl::LoadAtStartup(const std::vector<std::vector<std::string>>& config_users,
                        const std::string& aclfile, std::string* error) {
  if (!aclfile.empty() && !config_users.empty()) {
    *error =
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. This setup is very likely to lead to configuration errors and security "
        "holes, please define either an ACL file or declare users directly in your redis.conf, "
        "but not both.";
    return false;
  }
  for (const std::vector<std::string>& argv : config_users) {
    const std::string& name = argv[1];
    if (HasSpacesOrNul(name)) {
      *error = "Spaces not allowed in ACL usernames\nCritical error while loading ACLs. Exiting.";
      return false;
    }
    User* user = Find(name);
    if (user == nullptr) {
      user = users_.emplace(name, std::make_unique<User>(name, all_channels_default_))
                 .first->second.get();
    } else {
      user->Apply("reset", all_channels_default_);  // only "default" can exist already
    }
    std::vector<std::string_view> rules(argv.begin() + 2, argv.end());
    std::vector<std::string> merged;
    size_t unmatched = 0;
    MergeSelectorArgs(rules, &merged, &unmatched);  // validated when the config was read
    for (const std::string& rule : merged) {
      RuleError e = user->Apply(rule, all_channels_default_);
      if (e != RuleError::kNone) {
        *error = absl::StrFormat(
            "Error loading ACL rule '%s' for the user named '%s': %s\nCritical error while "
            "loading ACLs. Exiting.",
            rule, name, std::string(RuleErrorText(e)));
        return false;
      }
    }
    if (!user->enabled()) {
      Log(LogLevel::kNotice,
          "The user '%s' is disabled (there is no 'on' modifier in the user description). Make "
          "sure this is not a configuration error.",
          name);
    }
  }
  if (!aclfile.empty()) {
    std::string load_error;
    if (!LoadFile(aclfile, &load_error)) {
      *error = "Aborting Redis startup because of ACL errors: " + load_error;
      return false;
    }
  }
  return true;
}

std::optional<std::string> ValidateUserDirective(const std::vector<std::string>& argv,
                                                 bool duplicate) {
  // Messages name argv[index of the failing rule], an off-by-two Redis prints that way.
  auto message = [&](size_t index, RuleError e) {
    return absl::StrFormat("'%s': %s", argv[std::min(index, argv.size() - 1)],
                           std::string(RuleErrorText(e)));
  };
  if (duplicate) return message(1, RuleError::kDuplicateUser);
  std::vector<std::string_view> rules(argv.begin() + 2, argv.end());
  std::vector<std::string> merged;
  size_t unmatched = 0;
  if (!MergeSelectorArgs(rules, &merged, &unmatched)) {
    return message(unmatched, RuleError::kUnknownCommand);
  }
  User probe("probe", false);
  for (size_t j = 0; j < merged.size(); ++j) {
    RuleError e = probe.Apply(merged[j], false);
    // Unknown commands are refused at start-up instead (Redis: modules may add them later).
    if (e != RuleError::kNone && e != RuleError::kUnknownCommand) return message(j, e);
  }
  return std::nullopt;
}

}  // namespace rill::acl
