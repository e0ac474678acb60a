// Server configuration with redis.conf / redis-server grammar and Redis 7.0's parameter names,
// defaults and value syntax (memory units like 1gb, yes/no booleans, enums, "save" lists...).
// Parameters Rill does not act on yet are accepted, listed by CONFIG GET, settable by CONFIG
// SET, and named once in the start-up log as having no effect yet: server/config/
// ignored_params.h holds that list and says how a test keeps it true against the code.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rill {

class Config {
 public:
  Config();  // Redis 7.0 defaults
  ~Config();
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;

  // Applies `rill-server [config-file] [--option value ...] [-]` as redis-server does (the file
  // first, then the command-line options, "-" reads the config from stdin). On error returns
  // false and sets *error to the text redis-server prints before exiting with code 1.
  bool LoadFromArgs(int argc, char** argv, std::string* error);
  // Applies config text (redis.conf grammar). Same error contract.
  bool LoadFromString(std::string_view text, std::string* error);

  // CONFIG GET semantics: (name, value) pairs of every parameter matching any glob pattern,
  // each parameter once, values formatted as Redis formats them.
  std::vector<std::pair<std::string, std::string>> Get(
      std::span<const std::string_view> patterns) const;
  // CONFIG SET semantics: all pairs or none. On failure *error is the full Redis error reply
  // text (e.g. "ERR CONFIG SET failed (possibly related to argument 'port') - ...").
  bool Set(std::span<const std::pair<std::string_view, std::string_view>> pairs,
           std::string* error);
  // Who asks matters for protected parameters (dir, dbfilename) when
  // enable-protected-configs is "local".
  struct SetOptions {
    bool local_client = false;
  };
  bool Set(std::span<const std::pair<std::string_view, std::string_view>> pairs, std::string* error,
           const SetOptions& options);

  // CONFIG REWRITE: rewrites the start-up config file with the current values, as Redis does
  // (config_rewrite.h). On failure *error is the Redis error reply text.
  bool Rewrite(std::string* error) const;
  // Who writes the `user` lines on rewrite (the ACL layer): a function returning them, or
  // nullopt to keep the file's user lines as they are.
  void set_rewrite_user_lines(std::function<std::optional<std::vector<std::string>>()> lines);

  // Typed reads by canonical parameter name (aborts on a name that is not an int/bool/string
  // parameter: a programming error).
  int64_t Int(std::string_view name) const;
  // A numeric parameter found once, for reads on hot paths (a read by name hashes the name):
  //   static const Config::IntParam kLimit("proto-max-bulk-len");  ...  config.Int(kLimit)
  // The index is the parameter's place in the static parameter table, the same in every Config.
  class IntParam {
   public:
    explicit IntParam(std::string_view name);  // aborts on a name that is not numeric
    size_t index() const { return index_; }

   private:
    size_t index_;
  };
  int64_t Int(const IntParam& param) const;
  bool Bool(std::string_view name) const;
  std::string String(std::string_view name) const;  // enums and lists in their CONFIG GET form

  // Sets a string parameter to what the server's own state made it, without CONFIG SET's
  // checks or callbacks: REPLICAOF keeps `replicaof` ("host port", or "" on a master) current
  // for CONFIG GET and CONFIG REWRITE, as Redis reads it from its master host.
  void SetCurrentText(std::string_view name, std::string text);

  // Called after a successful CONFIG SET of `name`.
  void OnChange(std::string_view name, std::function<void()> callback);
  // Called when CONFIG SET changes `name`, before OnChange callbacks: returning false (with the
  // reason in *error) undoes the whole CONFIG SET, as a failing Redis apply function does.
  void OnApply(std::string_view name, std::function<bool(std::string* error)> apply);

  // Names of parameters given in the file/command line that Rill does not act on yet (those of
  // config_params::IgnoredParams()), in the table's order.
  std::vector<std::string> NoEffectParameters() const;

  // Path of the config file given at start (absolute), empty if none.
  const std::string& config_file() const;

  // Directives the config carries for other parts of the server, in file order:
  // `user <name> <rules...>` lines (for ACL), and `rename-command <old> <new>` pairs (the
  // command table applies them; an unknown command name is its error to report).
  const std::vector<std::vector<std::string>>& user_directives() const;
  const std::vector<std::pair<std::string, std::string>>& renamed_commands() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rill
