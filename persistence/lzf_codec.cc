#include "persistence/lzf_codec.h"

#include <lzf.h>

namespace rill::persistence {

std::optional<std::string> LzfCompress(std::string_view in) {
  if (in.size() <= 4) return std::nullopt;
  std::string out(in.size() - 4, '\0');
  unsigned int n = lzf_compress(in.data(), static_cast<unsigned int>(in.size()), out.data(),
                                static_cast<unsigned int>(out.size()));
  if (n == 0) return std::nullopt;
  out.resize(n);
  return out;
}

std::optional<std::string> LzfDecompress(std::string_view in, size_t original_len) {
  std::string out(original_len, '\0');
  if (original_len == 0) return in.empty() ? std::optional<std::string>(out) : std::nullopt;
  unsigned int n = lzf_decompress(in.data(), static_cast<unsigned int>(in.size()), out.data(),
                                  static_cast<unsigned int>(out.size()));
  if (n != original_len) return std::nullopt;
  return out;
}

}  // namespace rill::persistence
