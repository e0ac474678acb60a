// The keyspace's hash of a key name (KeyIndex::Hash): common/fast_hash.h's FastHash with the
// process's seed (ProcessHashSeed), kept in a constant for the hot path.
//
// Why our own hash: every command hashes its key twice (the pipeline prefetch, then the
// lookup), and absl::Hash of a string_view (std::_Hash_bytes on this abseil build) was 5.4% of
// the server's instructions on GET at pipeline 16 in callgrind. KeyIndex needs every bit of the
// result to depend on every input bit: its directory takes the low bits and the segments'
// tables the high ones.
//
// The seed is drawn once per process, as Redis seeds its siphash: which keys collide cannot be
// worked out from outside, so a client cannot fill one segment on purpose. It stays the same
// for the process's life (and in its forked children), as the index requires. No static
// initializer hashes keys, so the constant is set before any use.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/fast_hash.h"

namespace rill::ds {

namespace key_hash_internal {
// ProcessHashSeed(), copied at start-up (key_hash.cc).
extern const uint64_t kSeed;
}  // namespace key_hash_internal

inline uint64_t HashKey(std::string_view key) { return FastHash(key, key_hash_internal::kSeed); }

}  // namespace rill::ds
