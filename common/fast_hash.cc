#include "common/fast_hash.h"

#include <random>

namespace rill {

uint64_t ProcessHashSeed() {
  static const uint64_t seed = [] {
    std::random_device device;
    return (uint64_t{device()} << 32) ^ device();
  }();
  return seed;
}

}  // namespace rill
