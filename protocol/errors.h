// The catalogue of Redis 7.0 error replies, byte for byte (without the leading '-' and CRLF,
// which ReplyBuilder::Error adds). Every handler takes its error text from here so that one
// string is fixed in one place.
#pragma once

#include <string>
#include <string_view>

namespace rill::errors {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kIncrFloatNaNOrInf =
    "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kOutOfRange = "ERR index out of range";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kInvalidExpire = "ERR invalid expire time in '%s' command";
inline constexpr std::string_view kStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kOffsetOutOfRange = "ERR offset is out of range";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kTimeoutNotFloat = "ERR timeout is not a float or out of range";
inline constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
inline constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";

// Request framing errors (the parser replies with these, then the connection closes).
inline constexpr std::string_view kProtoInvalidMultibulkLength =
    "ERR Protocol error: invalid multibulk length";
inline constexpr std::string_view kProtoInvalidBulkLength =
    "ERR Protocol error: invalid bulk length";
inline constexpr std::string_view kProtoTooBigMultibulkCount =
    "ERR Protocol error: too big mbulk count string";
inline constexpr std::string_view kProtoTooBigBulkCount =
    "ERR Protocol error: too big bulk count string";
inline constexpr std::string_view kProtoTooBigInline = "ERR Protocol error: too big inline request";
inline constexpr std::string_view kProtoUnbalancedQuotes =
    "ERR Protocol error: unbalanced quotes in request";
inline constexpr std::string_view kProtoUnauthenticatedMultibulkLength =
    "ERR Protocol error: unauthenticated multibulk length";
inline constexpr std::string_view kProtoUnauthenticatedBulkLength =
    "ERR Protocol error: unauthenticated bulk length";
// "ERR Protocol error: expected '$', got 'x'"
std::string ProtoExpectedDollar(char got);

// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs);
// "ERR wrong number of arguments for 'get' command"
std::string WrongArity(std::string_view name);
// "ERR unknown subcommand 'foo'. Try CONFIG HELP."
std::string UnknownSubcommand(std::string_view subcommand, std::string_view command);
// "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP."
std::string SubcommandSyntax(std::string_view subcommand, std::string_view command);
// "ERR invalid expire time in 'set' command"
std::string InvalidExpire(std::string_view command);

}  // namespace rill::errors
