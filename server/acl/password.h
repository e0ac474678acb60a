// Password hashing and secrets for ACL users, on OpenSSL's libcrypto: SHA-256 as Redis stores
// passwords (64 lower-case hex digits), comparison in constant time, and random hex for
// ACL GENPASS.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rill::acl {

inline constexpr size_t kPasswordHashLength = 64;

// SHA-256 of `password` in lower-case hex.
std::string HashPassword(std::string_view password);

// True if `hash` is exactly 64 lower-case hex digits (what `#<hash>` accepts).
bool IsValidPasswordHash(std::string_view hash);

// Compares two hashes without a data-dependent early exit. Both are 64 bytes when they come from
// HashPassword or passed IsValidPasswordHash; other lengths compare unequal.
bool HashesEqual(std::string_view a, std::string_view b);

// `chars` random lower-case hex digits from the OS-seeded CSPRNG.
std::string RandomHex(size_t chars);

}  // namespace rill::acl
