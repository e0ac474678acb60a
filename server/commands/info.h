// The INFO text: Redis 7.0's sections and field names, so INFO-parsing tools work unchanged.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace rill {

class Engine;

// `sections` as given to INFO (empty: the default set; "all", "everything", "default" or
// section names, case-insensitive).
std::string BuildInfo(Engine& engine, std::span<const std::string_view> sections);

// Bytes the allocator has handed out (used_memory; also the RDB used-mem aux field).
size_t AllocatedBytes();

}  // namespace rill
