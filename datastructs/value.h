// Values stored in the keyspace. Strings live inside the key's entry (integers as integers),
// except a big argument kept without a copy (shared_string.h); container types (lists,
// streams, ...) are heap objects behind ObjectValue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace rill::ds {

// Numbering follows Redis's OBJ_* type ids, which RDB and TYPE replies derive from.
enum class ValueType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 6,
};

// Name reported by TYPE ("string", "list", "set", "zset", "hash", "stream").
std::string_view TypeName(ValueType type);

// Every container class also names its type as `static constexpr ValueType kType`, which the
// command layer's typed lookups check against.
class ObjectValue {
 public:
  virtual ~ObjectValue() = default;
  virtual ValueType type() const = 0;
  virtual std::unique_ptr<ObjectValue> Clone() const = 0;
  // Bytes owned by the object, for MEMORY USAGE and maxmemory accounting.
  virtual size_t MemoryUsage() const = 0;
  // What OBJECT ENCODING reports for this object, as Redis names it ("listpack", "quicklist"...)
  virtual std::string_view EncodingName() const = 0;
  // About how many allocations freeing the object walks (Redis's lazyfreeGetFreeEffort): a
  // value above the lazy-free threshold is freed off the event loop when lazy freeing applies.
  virtual size_t FreeEffort() const { return 1; }
};

}  // namespace rill::ds
