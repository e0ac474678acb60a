// Users from files, side by side with redis-server: `user` lines of the config file, the aclfile
// with ACL SAVE / ACL LOAD (round trip, errors, disconnections), and the start-up refusals Redis
// logs before exiting.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "tests/support/acl_masks.h"
#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// A scratch directory for files a server needs before it starts.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "rill-acl-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// One server of each kind started with the same arguments except for the file paths, which each
// gets its own copy of.
struct ServerPair {
  ScratchDir rill_dir, redis_dir;
  std::unique_ptr<ServerProcess> rill, redis;
  std::unique_ptr<RespClient> rill_client, redis_client;

  // `files` are written to both scratch dirs; "%DIR%" in `args` becomes each one's path.
  bool Start(const std::vector<std::pair<std::string, std::string>>& files,
             const std::vector<std::string>& args, std::string* error) {
    auto expand = [&](const ScratchDir& dir) {
      std::vector<std::string> out;
      for (std::string a : args) {
        size_t at = a.find("%DIR%");
        if (at != std::string::npos) a.replace(at, 5, (dir / "").string());
        out.push_back(a);
      }
      return out;
    };
    for (const auto& [name, text] : files) {
      WriteText(rill_dir / name, text);
      WriteText(redis_dir / name, text);
    }
    rill = std::make_unique<ServerProcess>(RillServerBinary(), expand(rill_dir));
    redis = std::make_unique<ServerProcess>(RedisServerBinary(), expand(redis_dir));
    if (!rill->Start(error) || !redis->Start(error)) return false;
    rill_client = std::make_unique<RespClient>();
    redis_client = std::make_unique<RespClient>();
    return rill_client->Connect(rill->port()) && redis_client->Connect(redis->port());
  }

  // Same command to both; replies compared with the path of each scratch dir and the order of
  // single-command rules masked.
  void ExpectSame(const std::vector<std::string>& argv) {
    std::string a = Mask(rill_client->Command(argv), rill_dir);
    std::string b = Mask(redis_client->Command(argv), redis_dir);
    EXPECT_EQ(a, b) << "command: " << argv[0] << " " << (argv.size() > 1 ? argv[1] : "")
                    << "\n  rill:  " << EscapeBytes(a) << "\n  redis: " << EscapeBytes(b);
  }

  static std::string Mask(std::string reply, const ScratchDir& dir) {
    const std::string path = (dir / "").string();
    for (size_t at; (at = reply.find(path)) != std::string::npos;)
      reply.replace(at, path.size(), "<dir>/");
    return MaskRuleOrder(reply);
  }
};

// The lines of an ACL file with each line's single-command rules sorted.
std::string NormalizedAclFile(const std::string& text) {
  std::stringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) out += SortCommandRules(line) + "\n";
  return out;
}

TEST(AclFiles, ConfigFileUsers) {
  ServerPair servers;
  std::string error;
  ASSERT_TRUE(servers.Start({{"users.conf",
                              "user alice on >pw ~a* &news -@all +get +set\n"
                              "user default on nopass ~* &* +@all -flushall\n"
                              "user bob off (+get ~b*)\n"}},
                            {"--include", "%DIR%users.conf"}, &error))
      << error;
  servers.ExpectSame({"ACL", "LIST"});
  servers.ExpectSame({"FLUSHALL"});
  servers.ExpectSame({"AUTH", "alice", "pw"});
  servers.ExpectSame({"GET", "b"});
  servers.ExpectSame({"SET", "a1", "v"});
  servers.ExpectSame({"PUBLISH", "news", "m"});
  servers.ExpectSame({"AUTH", "bob", "x"});
  EXPECT_NE(servers.rill->ReadLog().find("The user 'bob' is disabled (there is no 'on' modifier "
                                         "in the user description). Make sure this is not a "
                                         "configuration error."),
            std::string::npos)
      << servers.rill->ReadLog();
}

TEST(AclFiles, SaveAndLoadRoundTrip) {
  ServerPair servers;
  std::string error;
  ASSERT_TRUE(servers.Start({{"users.acl",
                              "user alice on >pw ~* &* +@all\n"
                              "user default on nopass ~* &* +@all\n"}},
                            {"--aclfile", "%DIR%users.acl"}, &error))
      << error;
  servers.ExpectSame({"ACL", "LIST"});
  servers.ExpectSame({"CONFIG", "SET", "aclfile", "/tmp/elsewhere"});
  servers.ExpectSame({"ACL", "SETUSER", "bob", "on", ">x", "%R~r*", "-@all", "+@read", "-get",
                      "+config|get", "+select|0", "(+set ~w*)", "&chan"});
  servers.ExpectSame({"ACL", "SETUSER", "alice", "resetkeys", "~a*"});
  servers.ExpectSame({"ACL", "SAVE"});
  const std::string saved = ReadText(servers.rill_dir / "users.acl");
  EXPECT_EQ(NormalizedAclFile(saved), NormalizedAclFile(ReadText(servers.redis_dir / "users.acl")));
  EXPECT_NE(saved.find("user bob on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a"
                       "4881 %R~r* resetchannels &chan -@all +@read"),
            std::string::npos)
      << saved;
  // No temp file is left behind.
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(servers.rill_dir / "")) files += entry.exists();
  EXPECT_EQ(files, 1u);

  // Edit the rules behind the server's back and reload.
  servers.ExpectSame({"ACL", "DELUSER", "alice", "bob"});
  servers.ExpectSame({"ACL", "LOAD"});
  servers.ExpectSame({"ACL", "LIST"});
  RespClient rill_alice, redis_alice, rill_plain, redis_plain;
  ASSERT_TRUE(rill_alice.Connect(servers.rill->port()));
  ASSERT_TRUE(redis_alice.Connect(servers.redis->port()));
  ASSERT_TRUE(rill_plain.Connect(servers.rill->port()));
  ASSERT_TRUE(redis_plain.Connect(servers.redis->port()));
  EXPECT_EQ(rill_alice.Command({"AUTH", "alice", "pw"}), "+OK\r\n");
  EXPECT_EQ(redis_alice.Command({"AUTH", "alice", "pw"}), "+OK\r\n");
  const std::string edited = saved + "user dave on nopass ~d* +@all\n";
  WriteText(servers.rill_dir / "users.acl", edited);
  WriteText(servers.redis_dir / "users.acl", edited);
  servers.ExpectSame({"ACL", "LOAD"});
  servers.ExpectSame({"ACL", "LIST"});
  // Users are new objects after LOAD: their clients are disconnected, default's are not.
  EXPECT_TRUE(rill_alice.ReadUntilClosed(std::chrono::seconds(2)).has_value());
  EXPECT_TRUE(redis_alice.ReadUntilClosed(std::chrono::seconds(2)).has_value());
  EXPECT_EQ(rill_plain.Command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(redis_plain.Command({"PING"}), "+PONG\r\n");
  servers.ExpectSame({"AUTH", "dave", "x"});
  servers.ExpectSame({"ACL", "WHOAMI"});
  servers.ExpectSame({"AUTH", "default", "x"});

  // A broken file changes nothing and names every problem.
  const std::string broken =
      "user alice on >pw ~* +@all\n"
      "# comment\n"
      "user bob foo\n"
      "notuser x\n"
      "user alice on\n"
      "user a(b on\n"
      "user c (+get\n"
      "user d on +nocmd #bad %X~k\n"
      "user\n"
      "\n"
      "   \t\n";
  WriteText(servers.rill_dir / "users.acl", broken);
  WriteText(servers.redis_dir / "users.acl", broken);
  servers.ExpectSame({"ACL", "LOAD"});
  servers.ExpectSame({"ACL", "LIST"});
  // A file without "default" gives the default user its initial rules back.
  WriteText(servers.rill_dir / "users.acl", "user eve on >e +@all ~*\n");
  WriteText(servers.redis_dir / "users.acl", "user eve on >e +@all ~*\n");
  servers.ExpectSame({"ACL", "SETUSER", "default", "-flushall"});
  servers.ExpectSame({"ACL", "LOAD"});
  servers.ExpectSame({"ACL", "LIST"});
  // A missing file.
  fs::remove(servers.rill_dir / "users.acl");
  fs::remove(servers.redis_dir / "users.acl");
  servers.ExpectSame({"ACL", "LOAD"});
  servers.ExpectSame({"ACL", "SAVE"});
  EXPECT_EQ(NormalizedAclFile(ReadText(servers.rill_dir / "users.acl")),
            NormalizedAclFile(ReadText(servers.redis_dir / "users.acl")));
}

TEST(AclFiles, ConfigRewriteWritesTheUsers) {
  ScratchDir rill_dir, redis_dir;
  const std::string config =
      "user alice on >pw ~k +get\n"
      "appendonly no\n"
      "user bob on\n";
  WriteText(rill_dir / "redis.conf", config);
  WriteText(redis_dir / "redis.conf", config);
  ServerProcess rill(RillServerBinary()), redis(RedisServerBinary());
  rill.set_config_file((rill_dir / "redis.conf").string());
  redis.set_config_file((redis_dir / "redis.conf").string());
  std::string error;
  ASSERT_TRUE(rill.Start(&error)) << error;
  ASSERT_TRUE(redis.Start(&error)) << error;
  for (ServerProcess* server : {&rill, &redis}) {
    RespClient client;
    ASSERT_TRUE(client.Connect(server->port()));
    EXPECT_EQ(client.Command({"ACL", "SETUSER", "carl", "on", "+@all", "-@dangerous"}), "+OK\r\n");
    EXPECT_EQ(client.Command({"ACL", "DELUSER", "bob"}), ":1\r\n");
    EXPECT_EQ(client.Command({"CONFIG", "REWRITE"}), "+OK\r\n");
  }
  // The user lines, in place of the old ones and then appended, as Redis writes them.
  auto user_lines = [](const std::string& text) {
    std::stringstream in(text);
    std::string line, out;
    while (std::getline(in, line)) {
      if (line.starts_with("user ")) out += SortCommandRules(line) + "\n";
    }
    return out;
  };
  const std::string rewritten = ReadText(rill_dir / "redis.conf");
  EXPECT_EQ(user_lines(rewritten), user_lines(ReadText(redis_dir / "redis.conf")));
  EXPECT_TRUE(rewritten.starts_with("user alice on #")) << rewritten;
  EXPECT_NE(rewritten.find("\nuser carl on resetchannels +@all -@"), std::string::npos)
      << rewritten;
  // And the server starts again from the rewritten file with the same users.
  ServerProcess again(RillServerBinary());
  again.set_config_file((rill_dir / "redis.conf").string());
  ASSERT_TRUE(again.Start(&error)) << error;
  RespClient client;
  ASSERT_TRUE(client.Connect(again.port()));
  EXPECT_EQ(client.Command({"ACL", "USERS"}),
            "*3\r\n$5\r\nalice\r\n$4\r\ncarl\r\n$7\r\ndefault\r\n");
}

// Starts both servers expecting each to refuse to start, and checks that both logs hold `line`.
void ExpectBothRefuse(const std::vector<std::pair<std::string, std::string>>& files,
                      const std::vector<std::string>& args, const std::string& line) {
  ServerPair servers;
  std::string error;
  EXPECT_FALSE(servers.Start(files, args, &error));
  ASSERT_TRUE(servers.rill != nullptr);
  std::string rill_log = servers.rill->ReadLog();
  EXPECT_FALSE(servers.rill->running());
  EXPECT_NE(rill_log.find(line), std::string::npos) << "rill log:\n" << rill_log;
  // The expectation itself is checked against the oracle.
  ServerProcess redis(RedisServerBinary(), [&] {
    std::vector<std::string> out;
    for (std::string a : args) {
      size_t at = a.find("%DIR%");
      if (at != std::string::npos) a.replace(at, 5, (servers.redis_dir / "").string());
      out.push_back(a);
    }
    return out;
  }());
  EXPECT_FALSE(redis.Start(&error));
  EXPECT_NE(redis.ReadLog().find(line), std::string::npos) << "redis log:\n" << redis.ReadLog();
}

TEST(AclFiles, StartupRefusals) {
  ExpectBothRefuse({{"u.conf", "user bob on >x ~* +@all\n"}, {"u.acl", ""}},
                   {"--include", "%DIR%u.conf", "--aclfile", "%DIR%u.acl"},
                   "Configuring Redis with users defined in redis.conf and at the same setting an "
                   "ACL file path is invalid. This setup is very likely to lead to configuration "
                   "errors and security holes, please define either an ACL file or declare users "
                   "directly in your redis.conf, but not both.");
  ExpectBothRefuse({{"u.conf", "user bob on +nocmd\n"}}, {"--include", "%DIR%u.conf"},
                   "Error loading ACL rule '+nocmd' for the user named 'bob': Unknown command or "
                   "category name in ACL");
  ExpectBothRefuse({{"u.conf", "user bob on foo\n"}}, {"--include", "%DIR%u.conf"},
                   ">>> 'user bob on foo'\nError in user declaration 'bob': Syntax error");
  ExpectBothRefuse({{"u.conf", "user bob on\nuser bob off\n"}}, {"--include", "%DIR%u.conf"},
                   ">>> 'user bob off'\nError in user declaration 'bob': Duplicate user found. A "
                   "user can only be defined once in config files");
  ExpectBothRefuse({{"u.conf", "user b on #xyz\n"}}, {"--include", "%DIR%u.conf"},
                   "Error in user declaration 'b': The password hash must be exactly 64 "
                   "characters and contain only lowercase hexadecimal characters");
  ExpectBothRefuse({{"u.acl", "x\n"}}, {"--aclfile", "%DIR%u.acl"},
                   "Aborting Redis startup because of ACL errors: ");
  ExpectBothRefuse({}, {"--aclfile", "%DIR%missing.acl"},
                   "Aborting Redis startup because of ACL errors: Error loading ACLs, opening "
                   "file '");
}

}  // namespace
}  // namespace rill::testing
