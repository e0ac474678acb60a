// The ACL state of a server: its users (always including "default"), the ACL log, and the user
// sources Redis 7.0 knows: `user` lines of the config file, an aclfile (ACL LOAD / ACL SAVE) and
// requirepass, which sets the default user's password. Clients point at their User; the engine
// asks it before every command unless the user is unrestricted.
//
// Users live in stable heap objects: changing a user's rules keeps its address, so connected
// clients see the new rules at once. Deleting or reloading users hands the old objects back to
// the caller, which disconnects their clients before dropping them.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/acl/acl_log.h"
#include "server/acl/user.h"

namespace rill::acl {

class Acl {
 public:
  Acl();

  User& default_user() { return *default_user_; }
  const User& default_user() const { return *default_user_; }
  User* Find(std::string_view name);
  // By name in byte order, as ACL LIST / USERS / SAVE list them.
  const std::map<std::string, std::unique_ptr<User>, std::less<>>& users() const { return users_; }

  // acl-pubsub-default: whether new users and selectors start with all channels.
  void set_all_channels_default(bool on) { all_channels_default_ = on; }
  bool all_channels_default() const { return all_channels_default_; }

  // Whether a new connection starts authenticated (as default), and whether a connection that
  // is not authenticated must authenticate first (Redis's authRequired: the default user has a
  // password or is off).
  bool NewClientAuthenticated() const {
    return default_user_->nopass() && default_user_->enabled();
  }
  bool AuthRequired() const { return !default_user_->nopass() || !default_user_->enabled(); }

  // requirepass: an empty password makes the default user "nopass".
  void SetDefaultPassword(std::string_view password);

  // The user if it exists, is on and the password matches; nullptr otherwise.
  User* Authenticate(std::string_view name, std::string_view password);

  // ACL SETUSER in two steps: Stage applies `rules` (merged selectors) to a copy of the user
  // (or a new one), so that nothing changes if one rule fails; Commit stores it.
  // On failure Stage returns nullptr with the error reply text in *error.
  std::unique_ptr<User> StageSetUser(std::string_view name, std::span<const std::string_view> rules,
                                     std::string* error) const;
  User& CommitUser(const User& staged);

  // Removes a user (not "default"); nullptr if there is none.
  std::unique_ptr<User> RemoveUser(std::string_view name);

  // ACL LOAD from `path`: all users replaced, or nothing on any error (then *error is Redis's
  // one-line report). The default user keeps its identity and takes the file's rules (or the
  // initial ones if the file has no "default"). On success returns the users that were
  // replaced, whose clients must be disconnected.
  std::optional<std::vector<std::unique_ptr<User>>> LoadFile(const std::string& path,
                                                             std::string* error);
  // ACL SAVE: every user as a `user` line, written to a temp file and renamed over `path`.
  // On failure logs why and returns false.
  bool SaveFile(const std::string& path) const;

  // Start-up: `user` lines from the config file, then the aclfile. Returns false with the
  // message Redis logs before exiting.
  bool LoadAtStartup(const std::vector<std::vector<std::string>>& config_users,
                     const std::string& aclfile, std::string* error);

  AclLog& log() { return log_; }

 private:
  std::map<std::string, std::unique_ptr<User>, std::less<>> users_;
  User* default_user_ = nullptr;
  AclLog log_;
  bool all_channels_default_ = false;
};

// Validates one `user <name> <rules...>` config directive as Redis does while reading the file
// (unknown commands are accepted here and refused at start-up). On error returns the text
// after "Error in user declaration ".
std::optional<std::string> ValidateUserDirective(const std::vector<std::string>& argv,
                                                 bool duplicate);

}  // namespace rill::acl
