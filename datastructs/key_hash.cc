#include "datastructs/key_hash.h"

#include <random>

namespace rill::ds::key_hash_internal {

namespace {

uint64_t DrawSeed() {
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

}  // namespace

const uint64_t kSeed = DrawSeed();

}  // namespace rill::ds::key_hash_internal
