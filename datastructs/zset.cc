#include "datastructs/zset.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "datastructs/zset_index.h"
#include "datastructs/zset_tree.h"

namespace rill::ds {

struct ZSet::Big {
  ZTree tree;
  ZIndex index{&tree};

  Big() = default;
  Big(const Big& other) : tree(other.tree), index(other.index, &tree) {}
};

ZIndex::ZIndex(const ZIndex& other, const ZTree* tree)
    : slots_(other.slots_.begin(), other.slots_.end(), other.slots_.size(), SlotHash{},
             SlotEq{tree}),
      extra_(other.extra_) {}

size_t ZIndex::size() const {
  size_t n = slots_.size();
  for (const auto& [key, count] : extra_) n += count;
  return n;
}

size_t ZIndex::AllocatedBytes() const {
  // absl's flat table: one control byte and one slot per bucket, plus the group padding.
  const size_t buckets = slots_.bucket_count();
  return buckets == 0 ? 0 : buckets * (sizeof(Slot) + 1) + 16;
}

ZSet::ZSet(size_t size_hint, size_t max_member_len, const ZSetLimits& limits) {
  if (size_hint > limits.max_packed_entries || max_member_len > limits.max_packed_value) {
    big_ = new Big;
  }
}

ZSet::ZSet(const ZSet& other) : pack_(other.pack_) {
  if (other.big_ != nullptr) big_ = new Big(*other.big_);
}

ZSet::~ZSet() { delete big_; }

std::unique_ptr<ObjectValue> ZSet::Clone() const { return std::make_unique<ZSet>(*this); }

size_t ZSet::MemoryUsage() const {
  size_t bytes = malloc_usable_size(const_cast<ZSet*>(this));
  if (big_ == nullptr) return bytes + pack_.AllocatedBytes();
  return bytes + malloc_usable_size(big_) + big_->tree.AllocatedBytes() +
         big_->index.AllocatedBytes();
}

size_t ZSet::size() const { return big_ == nullptr ? pack_.count : big_->tree.size(); }

bool ZSet::Score(std::string_view member, double* score) const {
  if (big_ == nullptr) return pack_.Find(member, score);
  return big_->index.Find(member, ZIndex::Hash(member), score);
}

bool ZSet::Rank(std::string_view member, size_t* rank, double* score) const {
  double s;
  if (big_ == nullptr) {
    if (!pack_.Find(member, &s, rank)) return false;
  } else {
    if (!big_->index.Find(member, ZIndex::Hash(member), &s)) return false;
    *rank = big_->tree.CountBefore(ZBound::Key(s, member));
  }
  if (score != nullptr) *score = s;
  return true;
}

ZSet::SetResult ZSet::Set(std::string_view member, double score, const ZSetLimits& limits,
                          double* old_score) {
  if (big_ == nullptr) {
    double current;
    if (pack_.Find(member, &current)) {
      if (old_score != nullptr) *old_score = current;
      // As Redis: an equal score (-0.0 == 0.0 too) leaves the entry as it is.
      if (current == score) return SetResult::kUnchanged;
      pack_.Erase(member);
      pack_.Insert(score, member);
      return SetResult::kUpdated;
    }
    if (pack_.count + 1 <= limits.max_packed_entries && member.size() <= limits.max_packed_value) {
      pack_.Insert(score, member);
      return SetResult::kAdded;
    }
    ConvertToBig();
  }
  const uint64_t hash = ZIndex::Hash(member);
  double current;
  if (big_->index.Find(member, hash, &current)) {
    if (old_score != nullptr) *old_score = current;
    if (current == score) return SetResult::kUnchanged;
    big_->index.SetScore(member, hash, score);
    big_->tree.Erase(current, member);
    big_->tree.Insert(score, member);
    return SetResult::kUpdated;
  }
  big_->index.Insert(hash, score);
  big_->tree.Insert(score, member);
  return SetResult::kAdded;
}

bool ZSet::Remove(std::string_view member) {
  if (big_ == nullptr) return pack_.Erase(member);
  const uint64_t hash = ZIndex::Hash(member);
  double score;
  if (!big_->index.Find(member, hash, &score)) return false;
  big_->index.Erase(member, hash);
  big_->tree.Erase(score, member);
  return true;
}

size_t ZSet::CountBefore(const ZBound& bound) const {
  return big_ == nullptr ? pack_.CountBefore(bound) : big_->tree.CountBefore(bound);
}

void ZSet::ForRange(size_t start, size_t end, bool reverse,
                    absl::FunctionRef<bool(double, std::string_view)> visit) const {
  if (big_ == nullptr) {
    pack_.ForRange(start, end, reverse, visit);
  } else {
    big_->tree.ForRange(start, end, reverse, visit);
  }
}

void ZSet::ForEach(absl::FunctionRef<void(double, std::string_view)> visit) const {
  if (empty()) return;
  ForRange(0, size() - 1, false, [&](double s, std::string_view m) {
    visit(s, m);
    return true;
  });
}

void ZSet::EraseRanks(size_t start, size_t n,
                      absl::FunctionRef<void(double, std::string_view)> removed) {
  if (big_ == nullptr) {
    pack_.EraseRanks(start, n, removed);
    return;
  }
  // The index slots go while the tree still holds their entries (a slot is confirmed through
  // the tree), so the range is collected from the tree first, then erased.
  if (start >= size()) return;
  n = std::min(n, size() - start);
  big_->tree.ForRange(start, start + n - 1, false, [&](double s, std::string_view m) {
    big_->index.Erase(m, ZIndex::Hash(m));
    (void)s;
    return true;
  });
  big_->tree.EraseRanks(start, n, removed);
}

void ZSet::Append(double score, std::string_view member, const ZSetLimits& limits) {
  if (big_ == nullptr) {
    if (pack_.count + 1 <= limits.max_packed_entries && member.size() <= limits.max_packed_value) {
      pack_.Insert(score, member);
      return;
    }
    ConvertToBig();
  }
  big_->index.Insert(ZIndex::Hash(member), score);
  big_->tree.Insert(score, member);
}

void ZSet::ConvertToBig() {
  if (big_ != nullptr) return;
  Big* big = new Big;
  big->index.Reserve(pack_.count + 1);
  ZTree& tree = big->tree;
  if (pack_.count > 0) {
    pack_.ForRange(0, pack_.count - 1, false, [&](double s, std::string_view m) {
      big->index.Insert(ZIndex::Hash(m), s);
      tree.Insert(s, m);
      return true;
    });
  }
  pack_.EraseRanks(0, pack_.count, [](double, std::string_view) {});
  big_ = big;
}

void ZSet::ShrinkToPackedIfFits(const ZSetLimits& limits) {
  if (big_ == nullptr) {
    pack_.Shrink();
    return;
  }
  if (big_->tree.size() > limits.max_packed_entries) return;
  if (big_->tree.size() > 0) {
    size_t longest = 0;
    big_->tree.ForRange(0, big_->tree.size() - 1, false, [&](double, std::string_view m) {
      longest = std::max(longest, m.size());
      return true;
    });
    if (longest > limits.max_packed_value) return;
    big_->tree.ForRange(0, big_->tree.size() - 1, false, [&](double s, std::string_view m) {
      pack_.Insert(s, m);
      return true;
    });
  }
  delete big_;
  big_ = nullptr;
  pack_.Shrink();
}

void ZSet::CheckInvariants() const {
  if (big_ == nullptr) return;
  big_->tree.CheckInvariants();
  if (big_->index.size() != big_->tree.size()) std::abort();
}

}  // namespace rill::ds
