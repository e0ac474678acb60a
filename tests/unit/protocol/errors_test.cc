// Error texts built from request data, compared with redis-server 7.0.15's replies (without the
// leading '-' and trailing CRLF that ReplyBuilder::Error adds).
#include "protocol/errors.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace rill::errors {
namespace {

std::string Unknown(std::string_view name, const std::vector<std::string>& args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  return UnknownCommand(name, views.data(), views.size());
}

TEST(ErrorsTest, UnknownCommandListsArgs) {
  EXPECT_EQ(Unknown("foo", {}), "ERR unknown command 'foo', with args beginning with: ");
  EXPECT_EQ(Unknown("foo", {"a", "b"}),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
}

TEST(ErrorsTest, UnknownCommandCutsArgsListAt128Bytes) {
  // FOOBAR <200 a> b: the first argument is cut to 128 bytes and the list ends there.
  EXPECT_EQ(
      Unknown("FOOBAR", {std::string(200, 'a'), "b"}),
      "ERR unknown command 'FOOBAR', with args beginning with: '" + std::string(128, 'a') + "' ");
  // FOOBAR <100 a> <100 b> c: the second argument gets what is left of the 128 bytes.
  EXPECT_EQ(Unknown("FOOBAR", {std::string(100, 'a'), std::string(100, 'b'), "c"}),
            "ERR unknown command 'FOOBAR', with args beginning with: '" + std::string(100, 'a') +
                "' '" + std::string(25, 'b') + "' ");
}

TEST(ErrorsTest, UnknownCommandCutsNameAt128Bytes) {
  EXPECT_EQ(Unknown(std::string(200, 'F'), {"x"}),
            "ERR unknown command '" + std::string(128, 'F') + "', with args beginning with: 'x' ");
}

TEST(ErrorsTest, UnknownCommandStopsArgAtNul) {
  EXPECT_EQ(Unknown("foo", {std::string("a\0b", 3), "c"}),
            "ERR unknown command 'foo', with args beginning with: 'a' 'c' ");
}

TEST(ErrorsTest, UnknownSubcommand) {
  EXPECT_EQ(UnknownSubcommand("foo", "config"), "ERR unknown subcommand 'foo'. Try CONFIG HELP.");
  EXPECT_EQ(UnknownSubcommand("FOO" + std::string(200, 'x'), "CONFIG"),
            "ERR unknown subcommand 'FOO" + std::string(125, 'x') + "'. Try CONFIG HELP.");
}

TEST(ErrorsTest, WrongArityUsesRegisteredName) {
  EXPECT_EQ(WrongArity("get"), "ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(WrongArity("config|get"), "ERR wrong number of arguments for 'config|get' command");
}

TEST(ErrorsTest, InvalidExpire) {
  EXPECT_EQ(InvalidExpire("set"), "ERR invalid expire time in 'set' command");
}

TEST(ErrorsTest, ProtocolExpectedDollar) {
  EXPECT_EQ(ProtoExpectedDollar('x'), "ERR Protocol error: expected '$', got 'x'");
  EXPECT_EQ(ProtoExpectedDollar('\0'), "ERR Protocol error: expected '$', got '");
}

}  // namespace
}  // namespace rill::errors
