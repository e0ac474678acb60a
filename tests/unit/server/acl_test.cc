// ACL building blocks in isolation: password hashing, the command index, rule parsing and the
// property Redis guards with a panic (a description, applied again, gives the same permissions),
// permission checks, the log's grouping, and the protected-mode decision.
#include "server/acl/acl.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "server/acl/command_index.h"
#include "server/acl/password.h"
#include "server/meta/command_meta.h"
#include "server/net/server.h"

namespace rill::acl {
namespace {

using Args = std::vector<std::string_view>;

TEST(AclPassword, Sha256HexAndConstantTimeCompare) {
  // sha256("pw") as Redis stores it (ACL LIST shows #30c952...).
  EXPECT_EQ(HashPassword("pw"), "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4");
  EXPECT_EQ(HashPassword(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HashPassword(std::string("a\0b", 3)).size(), kPasswordHashLength);
  EXPECT_NE(HashPassword(std::string("a\0b", 3)), HashPassword("a"));
  EXPECT_TRUE(HashesEqual(HashPassword("x"), HashPassword("x")));
  EXPECT_FALSE(HashesEqual(HashPassword("x"), HashPassword("y")));
  EXPECT_FALSE(HashesEqual("abc", "abcd"));
  EXPECT_TRUE(IsValidPasswordHash(HashPassword("x")));
  EXPECT_FALSE(IsValidPasswordHash(std::string(64, 'A')));
  EXPECT_FALSE(IsValidPasswordHash(std::string(63, 'a')));
  EXPECT_FALSE(IsValidPasswordHash(std::string(63, 'a') + "g"));
}

TEST(AclPassword, RandomHex) {
  for (size_t n : {1u, 2u, 63u, 64u, 1024u}) {
    std::string hex = RandomHex(n);
    EXPECT_EQ(hex.size(), n);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  EXPECT_NE(RandomHex(64), RandomHex(64));
}

TEST(AclCommandIndex, CoversEveryCommandAndSubcommand) {
  size_t expected = 0;
  for (const CommandMeta& meta : AllCommandMeta()) expected += 1 + meta.subcommands.size();
  const CommandIndex& index = CommandIndex::Get();
  EXPECT_EQ(index.all().size(), expected);
  EXPECT_GE(index.all().size(), 240u);
  for (const CommandEntry& e : index.all()) {
    EXPECT_EQ(&index.at(e.id), &e);
    EXPECT_EQ(index.Find(e.fullname), &e) << e.fullname;
    if (e.parent >= 0) {
      EXPECT_EQ(index.at(e.parent).fullname, e.fullname.substr(0, e.fullname.find('|')));
    }
  }
  const CommandEntry* get = index.Find("GeT");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->fullname, "get");
  EXPECT_TRUE(get->categories & (1u << CategoryIndex("read")));
  EXPECT_TRUE(get->categories & (1u << CategoryIndex("string")));
  EXPECT_FALSE(get->categories & (1u << CategoryIndex("write")));
  EXPECT_TRUE(get->has_keys);
  EXPECT_EQ(index.Find("config|GET")->fullname, "config|get");
  EXPECT_EQ(index.Find("get|x"), nullptr);
  EXPECT_EQ(index.Find("config|nosuch"), nullptr);
  EXPECT_EQ(index.Find("config|get|x"), nullptr);
  EXPECT_EQ(index.Find("nosuch"), nullptr);
  EXPECT_TRUE(index.Find("auth")->no_auth);
  EXPECT_EQ(index.Find("publish")->channels, ChannelArgs::kFirst);
  EXPECT_EQ(index.Find("psubscribe")->channels, ChannelArgs::kPatterns);
  EXPECT_FALSE(index.Find("spublish")->has_keys);  // its key spec is a not_key channel
  const CommandEntry* config = index.Find("config");
  CommandBits reach = index.CommandReach(config->id);
  EXPECT_EQ(reach.count(), 1u + config->num_subs);
  EXPECT_EQ(index.FindForArgs(Args{"CONFIG", "get"})->fullname, "config|get");
  EXPECT_EQ(index.FindForArgs(Args{"config"})->fullname, "config");
  EXPECT_EQ(index.FindForArgs(Args{"config", "nosuch"}), nullptr);
  EXPECT_EQ(index.FindForArgs(Args{"get", "k"})->fullname, "get");
  EXPECT_EQ(CategoryIndex("DANGEROUS"), CategoryIndex("dangerous"));
  EXPECT_EQ(CategoryIndex("all"), -1);
}

// The rules a description stands for, applied to a fresh user.
User Reapplied(const User& user) {
  User copy("copy", false);
  std::string description = user.Describe();
  std::vector<std::string_view> rules;
  size_t pos = 0;
  // Split on spaces but keep " (...)" selectors whole.
  while (pos < description.size()) {
    size_t end =
        description[pos] == '(' ? description.find(')', pos) + 1 : description.find(' ', pos);
    if (end == std::string::npos) end = description.size();
    rules.push_back(std::string_view(description).substr(pos, end - pos));
    pos = end + 1;
  }
  for (std::string_view rule : rules) {
    EXPECT_EQ(copy.Apply(rule, false), RuleError::kNone) << rule << " in " << description;
  }
  return copy;
}

TEST(AclDescribe, DescriptionsRebuildTheSamePermissions) {
  const CommandIndex& index = CommandIndex::Get();
  std::vector<std::string> pool = {"+@all", "-@all", "allcommands", "nocommands"};
  for (std::string_view c : kCategoryNames) {
    pool.push_back("+@" + std::string(c));
    pool.push_back("-@" + std::string(c));
  }
  for (const CommandEntry& e : index.all()) {
    pool.push_back("+" + std::string(e.fullname));
    pool.push_back("-" + std::string(e.fullname));
  }
  pool.insert(pool.end(), {"+select|0", "+select|1", "+debug|object", "+get|x"});
  std::mt19937 rng(12345);
  for (int round = 0; round < 300; ++round) {
    User user("u", false);
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(user.Apply(pool[rng() % pool.size()], false), RuleError::kNone);
    }
    User copy = Reapplied(user);
    EXPECT_EQ(copy.Describe(), user.Describe());
    for (const CommandEntry& e : index.all()) {
      ASSERT_EQ(copy.root().AllowsCommand(e.id), user.root().AllowsCommand(e.id))
          << e.fullname << " after " << user.Describe();
    }
  }
}

TEST(AclDescribe, BestFittingCategories) {
  User u("u", false);
  ASSERT_EQ(u.Apply("+@read", false), RuleError::kNone);
  ASSERT_EQ(u.Apply("-get", false), RuleError::kNone);
  EXPECT_EQ(u.root().DescribeCommands(), "-@all +@read -get");
  User v("v", false);
  ASSERT_EQ(v.Apply("+@all", false), RuleError::kNone);
  ASSERT_EQ(v.Apply("-@dangerous", false), RuleError::kNone);
  ASSERT_EQ(v.Apply("+@keyspace", false), RuleError::kNone);
  EXPECT_TRUE(v.root().DescribeCommands().starts_with("+@all -@")) << v.root().DescribeCommands();
  User w("w", false);
  ASSERT_EQ(w.Apply("+select|0", false), RuleError::kNone);
  EXPECT_EQ(w.root().DescribeCommands(), "-@all +select|0");
  ASSERT_EQ(w.Apply("+select", false), RuleError::kNone);
  EXPECT_EQ(w.root().DescribeCommands(), "-@all +select");
}

TEST(AclRules, ErrorsAndFlags) {
  User u("u", false);
  EXPECT_EQ(u.Apply("bogus", false), RuleError::kSyntax);
  EXPECT_EQ(u.Apply("+nosuch", false), RuleError::kUnknownCommand);
  EXPECT_EQ(u.Apply("+@nosuch", false), RuleError::kUnknownCommand);
  EXPECT_EQ(u.Apply("+config|get|x", false), RuleError::kFirstArgOfSubcommand);
  EXPECT_EQ(u.Apply("+select|", false), RuleError::kSyntax);
  EXPECT_EQ(u.Apply("#zz", false), RuleError::kBadHash);
  EXPECT_EQ(u.Apply("<nope", false), RuleError::kNoSuchPassword);
  EXPECT_EQ(u.Apply("%", false), RuleError::kSyntax);
  EXPECT_EQ(u.Apply("~a b", false), RuleError::kSyntax);
  EXPECT_EQ(u.Apply("allkeys", false), RuleError::kNone);
  EXPECT_EQ(u.Apply("~x", false), RuleError::kKeyAfterAllKeys);
  EXPECT_EQ(u.Apply("&*", false), RuleError::kNone);
  EXPECT_EQ(u.Apply("&x", false), RuleError::kChannelAfterAllChannels);
  EXPECT_EQ(u.Apply("(on)", false), RuleError::kSyntax);
  EXPECT_EQ(u.Apply("", false), RuleError::kNone);
  EXPECT_FALSE(u.enabled());
  EXPECT_FALSE(u.unrestricted());
  EXPECT_EQ(u.Apply("+@all", false), RuleError::kNone);
  EXPECT_TRUE(u.unrestricted());  // all commands, keys and channels: the engine's fast path
  EXPECT_EQ(u.Apply("-get", false), RuleError::kNone);
  EXPECT_FALSE(u.unrestricted());
  EXPECT_EQ(u.Apply("on", false), RuleError::kNone);
  EXPECT_EQ(u.Apply(">a", false), RuleError::kNone);
  EXPECT_EQ(u.Apply(">b", false), RuleError::kNone);
  EXPECT_TRUE(u.PasswordMatches("a"));
  EXPECT_TRUE(u.PasswordMatches("b"));
  EXPECT_FALSE(u.PasswordMatches("c"));
  EXPECT_EQ(u.Apply("<a", false), RuleError::kNone);
  EXPECT_FALSE(u.PasswordMatches("a"));
  EXPECT_EQ(u.Apply("nopass", false), RuleError::kNone);
  EXPECT_TRUE(u.PasswordMatches("anything"));
  EXPECT_TRUE(u.passwords().empty());
  EXPECT_EQ(u.Apply("reset", false), RuleError::kNone);
  EXPECT_EQ(u.Describe(), "off sanitize-payload resetchannels -@all");
  User all_channels("v", true);
  EXPECT_EQ(all_channels.Describe(), "off &* -@all");
}

TEST(AclRules, MergeSelectorArguments) {
  std::vector<std::string> merged;
  size_t unmatched = 99;
  Args args = {"on", "(+get", "~a)", "(+set)", "x"};
  ASSERT_TRUE(MergeSelectorArgs(args, &merged, &unmatched));
  EXPECT_EQ(merged, (std::vector<std::string>{"on", "(+get ~a)", "(+set)", "x"}));
  Args open = {"on", "(+get", "~a"};
  EXPECT_FALSE(MergeSelectorArgs(open, &merged, &unmatched));
  EXPECT_EQ(unmatched, 1u);
  Args restarted = {"(+get", "(+set", "~k)"};
  ASSERT_TRUE(MergeSelectorArgs(restarted, &merged, &unmatched));
  EXPECT_EQ(merged, (std::vector<std::string>{"(+set ~k)"}));
}

TEST(AclCheck, CommandsKeysChannelsAndSelectors) {
  const CommandIndex& index = CommandIndex::Get();
  User u("u", false);
  for (std::string_view rule : {"-@all", "+get", "+set", "+copy", "+publish", "+psubscribe",
                                "%R~r*", "%W~w*", "~k*", "&news.*", "(+lpush ~l*)"}) {
    ASSERT_EQ(u.Apply(rule, false), RuleError::kNone) << rule;
  }
  auto check = [&](Args args, int* pos = nullptr) {
    int p = -1;
    Denial d = u.Check(*index.FindForArgs(args), args, &p);
    if (pos) *pos = p;
    return d;
  };
  int pos = 0;
  EXPECT_EQ(check({"get", "k1"}), Denial::kNone);
  EXPECT_EQ(check({"get", "r1"}), Denial::kNone);
  EXPECT_EQ(check({"get", "w1", "x"}, &pos), Denial::kKey);
  EXPECT_EQ(pos, 1);
  EXPECT_EQ(check({"set", "w1", "v"}), Denial::kNone);
  EXPECT_EQ(check({"set", "w1", "v", "GET"}), Denial::kKey);  // GET reads too
  EXPECT_EQ(check({"copy", "r1", "w1"}), Denial::kNone);
  EXPECT_EQ(check({"copy", "k1", "r1"}, &pos), Denial::kKey);
  EXPECT_EQ(pos, 2);
  EXPECT_EQ(check({"del", "k1"}), Denial::kCommand);
  EXPECT_EQ(check({"publish", "news.1", "m"}), Denial::kNone);
  EXPECT_EQ(check({"publish", "sport", "m"}, &pos), Denial::kChannel);
  EXPECT_EQ(pos, 1);
  EXPECT_EQ(check({"psubscribe", "news.*"}), Denial::kNone);
  EXPECT_EQ(check({"psubscribe", "news.1"}), Denial::kChannel);  // patterns match literally
  EXPECT_EQ(check({"lpush", "l1", "x"}), Denial::kNone);         // second selector
  EXPECT_EQ(check({"lpush", "k1", "x"}), Denial::kKey);          // root: command; selector: key
  EXPECT_EQ(check({"auth", "x"}), Denial::kNone);  // no_auth commands are never refused
}

TEST(AclLogTest, GroupsSimilarRecentEntries) {
  AclLog log;
  auto entry = [](std::string object, int64_t t, Denial reason = Denial::kCommand) {
    LogEntry e;
    e.reason = reason;
    e.object = std::move(object);
    e.username = "u";
    e.time_ms = t;
    e.client_info = "info@" + std::to_string(t);
    return e;
  };
  log.Add(entry("get", 1000), 128);
  log.Add(entry("set", 2000), 128);
  log.Add(entry("get", 3000), 128);  // like an entry 2s old: grouped, moved to the front
  ASSERT_EQ(log.entries().size(), 2u);
  EXPECT_EQ(log.entries()[0].object, "get");
  EXPECT_EQ(log.entries()[0].count, 2u);
  EXPECT_EQ(log.entries()[0].client_info, "info@3000");
  log.Add(entry("get", 3000, Denial::kKey), 128);  // another reason: a new entry
  EXPECT_EQ(log.entries().size(), 3u);
  log.Add(entry("get", 3000 + 60001), 128);  // more than a minute later: a new entry
  EXPECT_EQ(log.entries().size(), 4u);
  for (int i = 0; i < 10; ++i) log.Add(entry("x" + std::to_string(i), 70000), 128);
  log.Add(entry("set", 70000), 128);  // its twin is now beyond the 10 entries scanned
  EXPECT_EQ(log.entries().front().count, 1u);
  log.Add(entry("y", 70000), 3);
  EXPECT_EQ(log.entries().size(), 3u);
  log.Reset();
  EXPECT_TRUE(log.entries().empty());
}

TEST(AclUsers, StageCommitRemoveAndAuthenticate) {
  Acl acl;
  EXPECT_TRUE(acl.NewClientAuthenticated());
  EXPECT_FALSE(acl.AuthRequired());
  std::string error;
  std::vector<std::string_view> rules = {"on", ">pw", "+get", "bogus"};
  EXPECT_EQ(acl.StageSetUser("a", rules, &error), nullptr);
  EXPECT_EQ(error, "ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
  rules.pop_back();
  auto staged = acl.StageSetUser("a", rules, &error);
  ASSERT_NE(staged, nullptr);
  EXPECT_EQ(acl.Find("a"), nullptr);  // nothing stored before Commit
  User& a = acl.CommitUser(*staged);
  EXPECT_EQ(acl.Find("a"), &a);
  EXPECT_EQ(acl.Authenticate("a", "pw"), &a);
  EXPECT_EQ(acl.Authenticate("a", "no"), nullptr);
  EXPECT_EQ(acl.Authenticate("nobody", "pw"), nullptr);
  // Changing a user keeps its object: clients pointing at it see the new rules.
  std::vector<std::string_view> more = {"off"};
  acl.CommitUser(*acl.StageSetUser("a", more, &error));
  EXPECT_EQ(acl.Find("a"), &a);
  EXPECT_EQ(acl.Authenticate("a", "pw"), nullptr);  // off
  acl.SetDefaultPassword("secret");
  EXPECT_TRUE(acl.AuthRequired());
  EXPECT_EQ(acl.Authenticate("default", "secret"), &acl.default_user());
  acl.SetDefaultPassword("");
  EXPECT_TRUE(acl.default_user().nopass());
  EXPECT_EQ(acl.RemoveUser("default"), nullptr);
  EXPECT_NE(acl.RemoveUser("a"), nullptr);
  EXPECT_EQ(acl.Find("a"), nullptr);
}

TEST(AclUsers, ValidateConfigDirectives) {
  auto validate = [](std::vector<std::string> argv, bool dup = false) {
    return ValidateUserDirective(argv, dup).value_or("ok");
  };
  EXPECT_EQ(validate({"user", "bob", "on", ">x", "+@all"}), "ok");
  EXPECT_EQ(validate({"user", "bob", "+nosuch"}), "ok");  // refused at start-up instead
  EXPECT_EQ(validate({"user", "bob", "on", "foo"}), "'bob': Syntax error");
  EXPECT_EQ(validate({"user", "bob"}, true),
            "'bob': Duplicate user found. A user can only be defined once in config files");
  EXPECT_EQ(validate({"user", "c", "(+get"}), "'user': Unknown command or category name in ACL");
}

TEST(ProtectedMode, RefusesAllButExactLocalPeersWithoutPassword) {
  namespace ip = boost::asio::ip;
  for (const char* peer : {"127.0.0.1", "::1"}) {
    EXPECT_FALSE(ProtectedModeRefuses(true, true, ip::make_address(peer))) << peer;
  }
  // As Redis 7.0: the rest of 127.0.0.0/8 and the IPv4-mapped form are not local.
  for (const char* peer : {"192.0.2.7", "2001:db8::1", "::ffff:10.1.2.3", "127.0.0.2", "127.8.9.10",
                           "::ffff:127.0.0.1", "::10"}) {
    const auto addr = ip::make_address(peer);
    EXPECT_TRUE(ProtectedModeRefuses(true, true, addr)) << peer;
    EXPECT_FALSE(ProtectedModeRefuses(false, true, addr)) << peer;
    EXPECT_FALSE(ProtectedModeRefuses(true, false, addr)) << peer;
  }
}

}  // namespace
}  // namespace rill::acl
