#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rill::persistence {

// LZF as RDB stores compressed strings (RDB_ENC_LZF). Compression returns nullopt when it
// would not save at least 4 bytes, like Redis, so the caller writes the raw string instead.
std::optional<std::string> LzfCompress(std::string_view in);

// Decompresses exactly `original_len` bytes; nullopt if the data is corrupt or of another size.
std::optional<std::string> LzfDecompress(std::string_view in, size_t original_len);

}  // namespace rill::persistence
