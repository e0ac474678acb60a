// A string value whose bytes live outside the key's block: a big command argument that the
// connection read into a buffer of its own (common/shared_bytes.h) and lent while the command
// ran. Database::SetString keeps that buffer instead of copying its bytes into the block, so a
// 100 MB SET holds the value once. Every other string stays inline in its block, sized to the
// byte (entry_block.h).
//
// The key's block holds it as an object (Encoding::kObject with type kString). Its bytes are
// never changed in place: APPEND and SETRANGE (Database::WriteString) copy them into the key's
// block first, so a copy of the key (COPY, Clone) may share the buffer.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "common/shared_bytes.h"
#include "datastructs/value.h"

namespace rill::ds {

class SharedString final : public ObjectValue {
 public:
  explicit SharedString(SharedBytes bytes) : bytes_(std::move(bytes)) {}

  std::string_view bytes() const { return bytes_.view(); }

  ValueType type() const override { return ValueType::kString; }
  std::unique_ptr<ObjectValue> Clone() const override {
    return std::make_unique<SharedString>(bytes_);
  }
  size_t MemoryUsage() const override { return sizeof(*this) + bytes_.allocated_bytes(); }
  // OBJECT ENCODING reads the entry, not this (strings are reported by length); Redis calls
  // an argument kept as its object "raw".
  std::string_view EncodingName() const override { return "raw"; }

 private:
  SharedBytes bytes_;
};

}  // namespace rill::ds
