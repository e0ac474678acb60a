// ZIndex: the member -> score half of a big sorted set, beside its ZTree.
//
// It stores no member bytes: a slot is the member's 64-bit hash and its score (16 bytes). A
// lookup takes the slots whose hash matches and confirms each by asking the tree whether
// (slot's score, member) is an entry, so the answer is exact even when two members' hashes
// collide. Two colliding members with equal scores would need two equal slots, which the table
// cannot hold: the second is counted in `extra_` (empty, and unallocated, in practice), and
// either member's lookup is served by the one slot. Keeping the member once, in the tree's leaves,
// is what brings a big sorted set to ~70 bytes per 16-byte member against Redis's ~130
// (docs/design-notes.md).
//
// The table is absl's flat_hash_set for now. TODO(zset): move onto the shared packed table the
// hashes and sets work is adding (one hash table in datastructs/), keeping this interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "datastructs/key_hash.h"
#include "datastructs/zset_tree.h"

namespace rill::ds {

class ZIndex {
 public:
  static uint64_t Hash(std::string_view member) { return HashKey(member); }

  explicit ZIndex(const ZTree* tree) : slots_(0, SlotHash{}, SlotEq{tree}) {}
  ZIndex(const ZIndex& other, const ZTree* tree);

  size_t size() const;
  size_t AllocatedBytes() const;

  // The score of `member` (hash: Hash(member)); false when absent.
  bool Find(std::string_view member, uint64_t hash, double* score) const {
    auto it = slots_.find(Probe{member, hash});
    if (it == slots_.end()) return false;
    *score = it->score;
    return true;
  }
  // REQUIRES: member absent.
  void Insert(uint64_t hash, double score) {
    if (!slots_.insert(Slot{hash, score}).second) ++extra_[{hash, score}];
  }
  // REQUIRES: member present with its old score still in the tree. (Changing a slot in place
  // may leave two equal slots: harmless, a lookup confirms through the tree either way.)
  void SetScore(std::string_view member, uint64_t hash, double score) {
    slots_.find(Probe{member, hash})->score = score;
  }
  // REQUIRES: member present, its entry still in the tree.
  void Erase(std::string_view member, uint64_t hash) {
    auto it = slots_.find(Probe{member, hash});
    if (!extra_.empty()) {
      auto extra = extra_.find({hash, it->score});
      if (extra != extra_.end()) {
        if (--extra->second == 0) extra_.erase(extra);
        return;
      }
    }
    slots_.erase(it);
    // Give room back once under an eighth full (the table never shrinks by itself).
    if (slots_.size() * 8 < slots_.bucket_count() && slots_.bucket_count() > 64) slots_.rehash(0);
  }
  void Reserve(size_t n) { slots_.reserve(n); }
  // Visits the hashes of every member's slot (ZSCAN's cursor walks hash bits).
  template <typename Visit>
  void ForEachHash(Visit&& visit) const {
    for (const Slot& s : slots_) visit(s.hash, s.score);
  }

 private:
  struct Slot {
    uint64_t hash;
    mutable double score;  // not part of the slot's hash; SetScore changes it in place
  };
  struct Probe {
    std::string_view member;
    uint64_t hash;
  };
  struct SlotHash {
    using is_transparent = void;
    size_t operator()(const Slot& s) const { return s.hash; }
    size_t operator()(const Probe& p) const { return p.hash; }
  };
  struct SlotEq {
    using is_transparent = void;
    const ZTree* tree;
    bool operator()(const Slot& s, const Probe& p) const {
      return s.hash == p.hash && tree->Contains(s.score, p.member);
    }
    bool operator()(const Probe& p, const Slot& s) const { return (*this)(s, p); }
    bool operator()(const Slot& a, const Slot& b) const {
      return a.hash == b.hash && a.score == b.score;
    }
  };

  absl::flat_hash_set<Slot, SlotHash, SlotEq> slots_;
  // Members beyond the first whose (hash, score) equals a slot's.
  absl::flat_hash_map<std::pair<uint64_t, double>, uint32_t> extra_;
};

}  // namespace rill::ds
