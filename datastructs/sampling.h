// Uniform sampling helpers shared by hashes and sets (HRANDFIELD, SRANDMEMBER, SPOP).
#pragma once

#include <cstddef>

#include "absl/random/random.h"

namespace rill::ds {

// Selection sampling (Knuth's Algorithm S): asked once for each of `n` items in turn, says
// whether to take it so that exactly `count` items (count <= n) are taken, every subset of that
// size equally likely, in one pass and without remembering the items.
class SelectionSampler {
 public:
  SelectionSampler(size_t n, size_t count) : left_(n), wanted_(count) {}
  bool Take(absl::BitGen& gen) {
    if (wanted_ == 0) return false;
    const bool take = absl::Uniform<size_t>(gen, 0, left_) < wanted_;
    --left_;
    if (take) --wanted_;
    return take;
  }

 private:
  size_t left_;
  size_t wanted_;
};

}  // namespace rill::ds
