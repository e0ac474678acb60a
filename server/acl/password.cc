#include "server/acl/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace rill::acl {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string ToHex(const unsigned char* bytes, size_t n) {
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string HashPassword(std::string_view password) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(password.data(), password.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    // libcrypto without SHA-256 cannot authenticate anyone safely.
    std::fprintf(stderr, "FATAL: SHA-256 is not available from libcrypto\n");
    std::abort();
  }
  return ToHex(digest, len);
}

bool IsValidPasswordHash(std::string_view hash) {
  if (hash.size() != kPasswordHashLength) return false;
  for (char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool HashesEqual(std::string_view a, std::string_view b) {
  // Lengths are public (every stored hash is 64 bytes); contents are compared in full.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomHex(size_t chars) {
  std::vector<unsigned char> bytes((chars + 1) / 2);
  if (!bytes.empty() && RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::fprintf(stderr, "FATAL: libcrypto could not produce random bytes\n");
    std::abort();
  }
  std::string hex = ToHex(bytes.data(), bytes.size());
  hex.resize(chars);
  return hex;
}

}  // namespace rill::acl
