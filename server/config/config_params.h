// The table of every Redis 7.0 configuration parameter: name, alias, type, bounds, default and
// flags. Config is generic code driven by this one table; adding a parameter is adding a row.
// Whether Rill acts on a parameter is not a flag here: server/config/ignored_params.h lists the
// ones it does not, and a test keeps that list true against the code.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace rill::config_params {

enum class Type : uint8_t {
  kBool,     // yes/no
  kNumeric,  // integer, optionally memory units / percent / octal
  kString,   // free text (some with a validator)
  kEnum,     // one name out of a list (or several for flag enums)
  kSpecial,  // own syntax: save, bind, client-output-buffer-limit ...
};

enum Flag : uint32_t {
  kImmutable = 1u << 0,    // CONFIG SET refuses: "can't set immutable config"
  kProtected = 1u << 1,    // CONFIG SET needs enable-protected-configs
  kSensitive = 1u << 2,    // value is a secret (redacted from logs / slowlog)
  kHidden = 1u << 3,       // CONFIG GET returns it only when asked by exact name
  kMultiArg = 1u << 4,     // takes several arguments (CONFIG SET splits the value on spaces)
  kDenyLoading = 1u << 5,  // refused while loading data
  // Numeric parsing/printing.
  kMemory = 1u << 8,     // accepts 1k/1kb/1m/1mb/1g/1gb
  kPercent = 1u << 9,    // accepts "N%" (stored as -N)
  kOctal = 1u << 10,     // read and printed in octal
  kUnsigned = 1u << 11,  // bounds compared and printed as unsigned
  kFlagEnum = 1u << 12,  // enum whose names combine as bit flags ("nosave now")
};

// Parameters whose value needs more than generic checks.
enum class Validator : uint8_t {
  kNone,
  kActiveDefrag,       // Rill has no defragmenting allocator: "yes" is refused, as on Debian.
  kDbFilename,         // a file name, not a path
  kAofFilename,        // non-empty file name
  kAofDirname,         // non-empty directory name
  kHostname,           // cluster-announce-hostname character set
  kProcTitleTemplate,  // only known {variables}
};

struct EnumValue {
  std::string_view name;
  int64_t value;
};

struct Param {
  std::string_view name;
  std::string_view alias;  // empty when none
  Type type;
  uint32_t flags;
  int64_t lower = 0;  // numeric bounds (bit patterns of uint64 when kUnsigned)
  int64_t upper = 0;
  int64_t default_number = 0;          // bool / numeric / enum default
  std::string_view default_text = {};  // string / special default, in CONFIG GET form
  std::span<const EnumValue> enum_values = {};
  Validator validator = Validator::kNone;
};

// Every parameter, in a stable order (the order CONFIG GET * lists them in).
std::span<const Param> AllParams();

}  // namespace rill::config_params
