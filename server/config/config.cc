#include "server/config/config.h"

#include <fcntl.h>
#include <glob.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "common/string_util.h"
#include "datastructs/glob.h"
#include "server/acl/acl.h"
#include "server/config/config_params.h"
#include "server/config/config_rewrite.h"
#include "server/config/config_syntax.h"
#include "server/config/config_values.h"
#include "server/config/ignored_params.h"

#ifndef RILL_VERSION
#define RILL_VERSION "0.0.0"
#endif

namespace rill {
namespace {

namespace cp = config_params;
namespace cv = config_values;
namespace cs = config_syntax;

// The fatal-error banner keeps Redis's exact layout but names Rill: it reports which program
// and version refused the file, and claiming "Redis 7.0.15" there would be false. Every other
// line of the message is byte-identical to redis-server's.
constexpr char kFatalBanner[] = "\n*** FATAL CONFIG FILE ERROR (Rill " RILL_VERSION ") ***\n";

constexpr int kMinHz = 1;
constexpr int kMaxHz = 500;

std::string CurrentDir() {
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) return "";
  return buf;
}

bool ReadFile(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "Fatal error, can't open config file '" + path + "': " + std::strerror(errno) + "\n";
    return false;
  }
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

std::string Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

// CONFIG SET splits a multi-argument value on single spaces, keeping empty pieces (so that
// "5  3" is three arguments and fails, as in Redis); an empty value is no arguments.
std::vector<std::string> SplitOnSpaces(std::string_view value) {
  std::vector<std::string> out;
  if (value.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t sp = value.find(' ', start);
    out.emplace_back(value.substr(start, sp == std::string_view::npos ? sp : sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

}  // namespace

struct Config::Impl {
  std::span<const cp::Param> params = cp::AllParams();
  std::vector<cv::Value> values;
  std::vector<bool> explicitly_set;
  // Lower-case name or alias -> parameter index. Looked up by string_view without building a
  // std::string: commands read parameters on hot paths (proto-max-bulk-len on every APPEND).
  StringMap<size_t> by_name;
  absl::flat_hash_map<std::string, std::vector<std::function<void()>>> callbacks;
  absl::flat_hash_map<std::string, std::function<bool(std::string*)>> appliers;
  std::string config_file;
  std::vector<std::vector<std::string>> users;
  std::vector<std::pair<std::string, std::string>> renames;
  std::vector<std::string> modules;
  bool module_config_seen = false;
  std::function<std::optional<std::vector<std::string>>()> rewrite_user_lines;
  bool save_seen_in_file = false;

  Impl() {
    values.reserve(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      values.push_back(cv::DefaultValue(params[i]));
      by_name[std::string(params[i].name)] = i;
      if (!params[i].alias.empty()) by_name[std::string(params[i].alias)] = i;
    }
    explicitly_set.assign(params.size(), false);
    values[Index("dir")].text = CurrentDir();
  }

  const cp::Param* Find(std::string_view name, size_t* index) const {
    auto it = by_name.find(cs::ToLower(name));
    if (it == by_name.end()) return nullptr;
    *index = it->second;
    return &params[it->second];
  }

  size_t Index(std::string_view canonical) const {
    auto it = by_name.find(canonical);
    if (it == by_name.end()) {
      std::fprintf(stderr, "BUG: unknown config parameter '%.*s'\n",
                   static_cast<int>(canonical.size()), canonical.data());
      std::abort();
    }
    return it->second;
  }

  void ClampHz() {
    cv::Value& hz = values[Index("hz")];
    int64_t clamped = std::clamp<int64_t>(hz.number, kMinHz, kMaxHz);
    if (clamped != hz.number) {
      hz.number = clamped;
      hz.text = std::to_string(clamped);
    }
  }

  static std::string FatalAt(int line_number, const std::string& line, const std::string& err) {
    return std::string(kFatalBanner) + "Reading the configuration file, at line " +
           std::to_string(line_number) + "\n>>> '" + line + "'\n" + err + "\n";
  }

  bool IncludeFile(const std::string& pattern, std::string* error) {
    // Wildcards include every match (none is fine, for an empty conf.d); a plain path must exist.
    if (pattern.find_first_of("*?[") != std::string::npos) {
      glob_t g;
      if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          std::string text;
          if (!ReadFile(g.gl_pathv[i], &text, error) || !LoadText(text, error)) {
            globfree(&g);
            return false;
          }
        }
        globfree(&g);
      }
      return true;
    }
    std::string text;
    return ReadFile(pattern, &text, error) && LoadText(text, error);
  }

  // One parse pass over config text, as loadServerConfigFromString does.
  bool LoadText(std::string_view text, std::string* error) {
    int line_number = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      std::string_view raw =
          text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
      ++line_number;
      std::string line = Trim(raw);
      if (line.empty() || line[0] == '#') continue;
      auto args = cs::SplitArgs(line);
      if (!args) {
        *error = FatalAt(line_number, line, "Unbalanced quotes in configuration line");
        return false;
      }
      if (args->empty()) continue;
      std::string err;
      if (!ApplyLine(*args, &err, error)) {
        if (!err.empty()) *error = FatalAt(line_number, line, err);
        return false;
      }
    }
    return true;
  }

  // Applies one directive. Returns false with *err (a line error) or *fatal (already complete).
  bool ApplyLine(std::vector<std::string>& argv, std::string* err, std::string* fatal) {
    std::string name = cs::ToLower(argv[0]);
    const int argc = static_cast<int>(argv.size());
    size_t index;
    if (const cp::Param* p = Find(name, &index)) {
      if (!(p->flags & cp::kMultiArg) && argc != 2) {
        *err = "wrong number of arguments";
        return false;
      }
      // Redis splits the one argument of a multi-argument parameter on spaces, so that
      // `save "3600 1 300 100"` (and `--save "3600 1"` on the command line) works.
      if ((p->flags & cp::kMultiArg) && argc == 2 && argv[1].find(' ') != std::string::npos) {
        std::vector<std::string> split = SplitOnSpaces(argv[1]);
        argv.resize(1);
        argv.insert(argv.end(), split.begin(), split.end());
      }
      cv::ApplyContext ctx{.reading_file = true, .save_seen_in_file = &save_seen_in_file};
      std::span<const std::string> values_args(argv.data() + 1, argv.size() - 1);
      if (auto e = cv::Apply(*p, values_args, &values[index], ctx)) {
        *err = *e;
        return false;
      }
      explicitly_set[index] = true;
      return true;
    }
    // Directives Redis 7.0 still accepts and ignores.
    if ((name == "list-max-ziplist-entries" || name == "list-max-ziplist-value" ||
         name == "lua-replicate-commands") &&
        argc == 2) {
      return true;
    }
    if (name == "include" && argc == 2) {
      if (!IncludeFile(argv[1], fatal)) {
        err->clear();
        return false;
      }
      return true;
    }
    if (name == "rename-command" && argc == 3) {
      renames.emplace_back(argv[1], argv[2]);
      return true;
    }
    if (name == "user" && argc >= 2) {
      // Rules are checked now (bad syntax stops the start-up at this line, as in Redis);
      // unknown commands only when the users are created.
      bool duplicate = false;
      for (const auto& u : users) duplicate |= u[1] == argv[1];
      if (auto e = acl::ValidateUserDirective(argv, duplicate)) {
        *err = "Error in user declaration " + *e;
        return false;
      }
      users.push_back(argv);
      return true;
    }
    if (name == "loadmodule" && argc >= 2) {
      modules.push_back(argv[1]);
      return true;
    }
    if (name.find('.') != std::string::npos) {
      if (argc != 2) {
        *err = "Module config specified without value";
        return false;
      }
      module_config_seen = true;
      return true;
    }
    if (name == "sentinel") {
      if (argc == 1) return true;
      *err = "sentinel directive while not in sentinel mode";
      return false;
    }
    *err = "Bad directive or wrong number of arguments";
    return false;
  }

  // Checks Redis makes once the whole configuration is read.
  bool FinishLoad(bool check_files, std::string* error) {
    ClampHz();
    if (check_files) {
      const std::string& logfile = values[Index("logfile")].text;
      if (!logfile.empty()) {
        FILE* fp = std::fopen(logfile.c_str(), "a");
        if (fp == nullptr) {
          *error =
              std::string(kFatalBanner) + "Can't open the log file: " + std::strerror(errno) + "\n";
          return false;
        }
        std::fclose(fp);
      }
    }
    if (values[Index("cluster-enabled")].number && !values[Index("replicaof")].text.empty()) {
      *error = std::string(kFatalBanner) + "replicaof directive not allowed in cluster mode\n";
      return false;
    }
    // Rill has no module support: a loadmodule line fails the way a module that cannot be
    // loaded fails in Redis (after the config is read, with the loader's reason).
    for (const std::string& path : modules) {
      std::string reason =
          access(path.c_str(), F_OK) != 0
              ? path + ": cannot open shared object file: No such file or directory"
              : std::string("Rill does not support modules");
      *error = "Module " + path + " failed to load: " + reason + "\n";
      return false;
    }
    if (module_config_seen) {
      *error =
          "Module Configuration detected without loadmodule directive or no ApplyConfig call: "
          "aborting\n";
      return false;
    }
    return true;
  }
};

Config::Config() : impl_(std::make_unique<Impl>()) {}
Config::~Config() = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

bool Config::LoadFromArgs(int argc, char** argv, std::string* error) {
  if (argc < 2) return true;
  std::vector<std::string> args(argv + 1, argv + argc);
  size_t start = 0;
  std::string text;
  if (!args[0].empty() && args[0][0] != '-') {
    std::string path = args[0];
    if (path[0] != '/') path = CurrentDir() + "/" + path;
    impl_->config_file = path;
    start = 1;
  }
  bool from_stdin = false;
  std::string options = cs::CommandLineToConfigText(args, start, &from_stdin);
  if (!impl_->config_file.empty() && !ReadFile(impl_->config_file, &text, error)) return false;
  if (from_stdin) {
    text.append(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  // Options are appended after a newline, so they always start on a line of their own.
  text += "\n" + options;
  impl_->save_seen_in_file = false;
  return impl_->LoadText(text, error) && impl_->FinishLoad(/*check_files=*/true, error);
}

bool Config::LoadFromString(std::string_view text, std::string* error) {
  impl_->save_seen_in_file = false;
  return impl_->LoadText(text, error) && impl_->FinishLoad(/*check_files=*/false, error);
}

std::vector<std::pair<std::string, std::string>> Config::Get(
    std::span<const std::string_view> patterns) const {
  std::vector<std::pair<std::string, std::string>> out;
  // Keys already answered, lower-cased: each parameter name appears once.
  absl::flat_hash_map<std::string, bool> seen;
  for (std::string_view pattern : patterns) {
    if (pattern.find_first_of("[*?") == std::string_view::npos) {
      size_t index;
      std::string key = cs::ToLower(pattern);
      if (seen.contains(key) || impl_->Find(pattern, &index) == nullptr) continue;
      seen[key] = true;
      // An exact name is answered with the name as asked, as Redis does.
      out.emplace_back(std::string(pattern), impl_->values[index].text);
      continue;
    }
    for (size_t i = 0; i < impl_->params.size(); ++i) {
      const cp::Param& p = impl_->params[i];
      if (p.flags & cp::kHidden) continue;  // hidden ones need their exact name
      for (std::string_view name : {p.name, p.alias}) {
        if (name.empty() || seen.contains(std::string(name))) continue;
        if (!ds::GlobMatch(pattern, name, /*nocase=*/true)) continue;
        seen[std::string(name)] = true;
        out.emplace_back(std::string(name), impl_->values[i].text);
      }
    }
  }
  return out;
}

bool Config::Set(std::span<const std::pair<std::string_view, std::string_view>> pairs,
                 std::string* error) {
  return Set(pairs, error, SetOptions{});
}

bool Config::Set(std::span<const std::pair<std::string_view, std::string_view>> pairs,
                 std::string* error, const SetOptions& options) {
  std::vector<size_t> indices;
  std::string unknown, failed_name, reason;
  // A flag, not unknown.empty(): the unknown name may be "" itself.
  bool has_unknown = false;
  // The first problem found wins; an unknown name has its own error form.
  for (const auto& [name, value] : pairs) {
    size_t index;
    const cp::Param* p = impl_->Find(name, &index);
    if (p == nullptr) {
      if (!has_unknown && reason.empty()) {
        has_unknown = true;
        unknown = std::string(name);
      }
      continue;
    }
    if (has_unknown || !reason.empty()) continue;
    if (p->flags & cp::kImmutable) {
      failed_name = std::string(name);
      reason = "can't set immutable config";
      continue;
    }
    if (p->flags & cp::kProtected) {
      const int64_t allowed = Int("enable-protected-configs");
      if (!(allowed == 1 || (allowed == 2 && options.local_client))) {
        failed_name = std::string(name);
        reason = "can't set protected config";
        continue;
      }
    }
    for (size_t prior : indices) {
      if (prior == index) {
        failed_name = std::string(name);
        reason = "duplicate parameter";
      }
    }
    indices.push_back(index);
  }
  if (has_unknown) {
    *error = "ERR Unknown option or number of arguments for CONFIG SET - '" + unknown + "'";
    return false;
  }
  if (!reason.empty()) {
    *error =
        "ERR CONFIG SET failed (possibly related to argument '" + failed_name + "') - " + reason;
    return false;
  }

  // All or nothing: work on a copy and commit only when every value is accepted.
  std::vector<cv::Value> next = impl_->values;
  for (size_t k = 0; k < pairs.size(); ++k) {
    const cp::Param& p = impl_->params[indices[k]];
    std::vector<std::string> args;
    if (p.flags & cp::kMultiArg) {
      args = SplitOnSpaces(pairs[k].second);
    } else {
      args.emplace_back(pairs[k].second);
    }
    if (auto e = cv::Apply(p, args, &next[indices[k]], cv::ApplyContext{})) {
      std::string shown = cs::ToLower(pairs[k].first);
      *error = "ERR CONFIG SET failed (possibly related to argument '" + shown + "') - " + *e;
      return false;
    }
  }
  std::vector<std::string> changed;
  for (size_t index : indices) {
    if (next[index].text != impl_->values[index].text)
      changed.emplace_back(impl_->params[index].name);
  }
  std::vector<cv::Value> previous = std::exchange(impl_->values, std::move(next));
  impl_->ClampHz();
  for (size_t i = 0; i < changed.size(); ++i) {
    const std::string& name = changed[i];
    auto it = impl_->appliers.find(name);
    if (it == impl_->appliers.end()) continue;
    std::string why;
    if (!it->second(&why)) {
      impl_->values = std::move(previous);
      // As Redis restores its previous settings: the appliers that already acted on the new
      // values (a listener moved to the new port) act again on the old ones.
      for (size_t j = 0; j < i; ++j) {
        auto again = impl_->appliers.find(changed[j]);
        std::string ignored;
        if (again != impl_->appliers.end()) again->second(&ignored);
      }
      *error = "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why;
      return false;
    }
  }
  // Like Redis's apply functions, callbacks run only for values that really changed.
  for (const std::string& name : changed) {
    auto it = impl_->callbacks.find(name);
    if (it == impl_->callbacks.end()) continue;
    for (auto& cb : it->second) cb();
  }
  return true;
}

namespace {

// Int() reads a parameter's number: a programming error for any other kind of parameter, or
// for `index` past the table (a name that is no parameter).
void AbortUnlessNumeric(size_t index, std::string_view name) {
  const std::span<const cp::Param> params = cp::AllParams();
  const bool numeric = index < params.size() && (params[index].type == cp::Type::kNumeric ||
                                                 params[index].type == cp::Type::kBool ||
                                                 params[index].type == cp::Type::kEnum);
  if (numeric) return;
  std::fprintf(stderr, "BUG: config parameter '%.*s' is not numeric\n",
               static_cast<int>(name.size()), name.data());
  std::abort();
}

}  // namespace

Config::IntParam::IntParam(std::string_view name) : index_(0) {
  const std::span<const cp::Param> params = cp::AllParams();
  while (index_ < params.size() && params[index_].name != name) ++index_;
  AbortUnlessNumeric(index_, name);
}

int64_t Config::Int(const IntParam& param) const { return impl_->values[param.index()].number; }

int64_t Config::Int(std::string_view name) const {
  const size_t index = impl_->Index(name);
  AbortUnlessNumeric(index, name);
  return impl_->values[index].number;
}

bool Config::Bool(std::string_view name) const {
  size_t index = impl_->Index(name);
  if (impl_->params[index].type != cp::Type::kBool) {
    std::fprintf(stderr, "BUG: config parameter '%.*s' is not a boolean\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return impl_->values[index].number != 0;
}

std::string Config::String(std::string_view name) const {
  return impl_->values[impl_->Index(name)].text;
}

void Config::SetCurrentText(std::string_view name, std::string text) {
  impl_->values[impl_->Index(name)].text = std::move(text);
}

void Config::OnChange(std::string_view name, std::function<void()> callback) {
  size_t index = impl_->Index(name);
  impl_->callbacks[std::string(impl_->params[index].name)].push_back(std::move(callback));
}

void Config::OnApply(std::string_view name, std::function<bool(std::string* error)> apply) {
  size_t index = impl_->Index(name);
  impl_->appliers[std::string(impl_->params[index].name)] = std::move(apply);
}

std::vector<std::string> Config::NoEffectParameters() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < impl_->params.size(); ++i) {
    if (impl_->explicitly_set[i] && cp::IsIgnored(impl_->params[i].name)) {
      out.emplace_back(impl_->params[i].name);
    }
  }
  return out;
}

const std::string& Config::config_file() const { return impl_->config_file; }

const std::vector<std::vector<std::string>>& Config::user_directives() const {
  return impl_->users;
}

const std::vector<std::pair<std::string, std::string>>& Config::renamed_commands() const {
  return impl_->renames;
}

bool Config::Rewrite(std::string* error) const {
  if (impl_->config_file.empty()) {
    *error = "ERR The server is running without a config file";
    return false;
  }
  std::string old_text;
  {
    std::ifstream in(impl_->config_file, std::ios::binary);
    if (in) old_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  config_rewrite::Inputs inputs;
  inputs.params = impl_->params;
  inputs.values = impl_->values;
  inputs.cwd = CurrentDir();
  if (impl_->rewrite_user_lines) inputs.user_lines = impl_->rewrite_user_lines();
  const std::string text = config_rewrite::RewriteConfigText(old_text, inputs);
  // As Redis: a temporary file next to the config, synced, then renamed over it.
  std::string tmp = impl_->config_file + ".XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  auto fail = [&](int err) {
    *error = std::string("ERR Rewriting config file: ") + std::strerror(err);
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return false;
  };
  if (fd < 0) {
    *error = std::string("ERR Rewriting config file: ") + std::strerror(errno);
    return false;
  }
  for (size_t off = 0; off < text.size();) {
    ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(errno);
    off += static_cast<size_t>(n);
  }
  const mode_t mask = umask(0);
  umask(mask);
  if (fsync(fd) != 0 || fchmod(fd, 0644 & ~mask) != 0) return fail(errno);
  if (std::rename(tmp.c_str(), impl_->config_file.c_str()) != 0) return fail(errno);
  close(fd);
  return true;
}

void Config::set_rewrite_user_lines(
    std::function<std::optional<std::vector<std::string>>()> lines) {
  impl_->rewrite_user_lines = std::move(lines);
}

}  // namespace rill
