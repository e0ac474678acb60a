#include "datastructs/zset.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "datastructs/packed_table.h"
#include "datastructs/zset_tree.h"

namespace rill::ds {

// The big form: the tree orders the entries; the table maps each member to its score's 8 bytes
// (the member's bytes are in both: the table's arena and the tree's leaves).
struct ZSet::Big {
  ZTree tree;
  PackedTable index;
};

namespace {

std::string_view ScoreBytes(const double& score) {
  return {reinterpret_cast<const char*>(&score), sizeof(double)};
}

double ScoreOf(std::string_view bytes) {
  double score;
  std::memcpy(&score, bytes.data(), sizeof(double));
  return score;
}

bool FindScore(const PackedTable& index, std::string_view member, double* score) {
  std::string_view value;
  if (!index.Find(member, &value)) return false;
  *score = ScoreOf(value);
  return true;
}

}  // namespace

ZSet::ZSet(size_t size_hint, size_t max_member_len, const ZSetLimits& limits) {
  if (size_hint > limits.max_packed_entries || max_member_len > limits.max_packed_value) {
    SetBig(new Big);
  }
}

ZSet::ZSet(const ZSet& other) {
  if (other.big() != nullptr) {
    SetBig(new Big(*other.big()));
  } else {
    pack_.CopyFrom(other.pack_);
  }
}

ZSet::~ZSet() {
  if (big() != nullptr) {
    delete big();
  } else {
    pack_.Free();
  }
}

void ZSet::SetBig(Big* big) {
  pack_.Free();
  pack_.buf = reinterpret_cast<char*>(big);
  pack_.bytes = kBigMarker;
  pack_.count = 0;
}

std::unique_ptr<ObjectValue> ZSet::Clone() const { return std::make_unique<ZSet>(*this); }

size_t ZSet::MemoryUsage() const {
  // sizeof, as the other containers count themselves: a ZSet may live outside the heap.
  size_t bytes = sizeof(*this);
  if (big() == nullptr) return bytes + pack_.AllocatedBytes();
  return bytes + malloc_usable_size(big()) + big()->tree.AllocatedBytes() +
         big()->index.MemoryUsage();
}

size_t ZSet::size() const { return big() == nullptr ? pack_.count : big()->tree.size(); }

bool ZSet::Score(std::string_view member, double* score) const {
  if (big() == nullptr) return pack_.Find(member, score);
  return FindScore(big()->index, member, score);
}

bool ZSet::Rank(std::string_view member, size_t* rank, double* score) const {
  double s;
  if (big() == nullptr) {
    if (!pack_.Find(member, &s, rank)) return false;
  } else {
    if (!FindScore(big()->index, member, &s)) return false;
    *rank = big()->tree.CountBefore(ZBound::Key(s, member));
  }
  if (score != nullptr) *score = s;
  return true;
}

ZSet::SetResult ZSet::Set(std::string_view member, double score, const ZSetLimits& limits,
                          double* old_score) {
  Found found;
  if (Find(member, &found)) {
    if (old_score != nullptr) *old_score = found.score;
    // As Redis: an equal score (-0.0 == 0.0 too) leaves the entry as it is.
    if (found.score == score) return SetResult::kUnchanged;
    ChangeScore(member, found, score);
    return SetResult::kUpdated;
  }
  Insert(member, score, limits);
  return SetResult::kAdded;
}

void ZSet::Insert(std::string_view member, double score, const ZSetLimits& limits) {
  if (big() == nullptr) {
    if (pack_.count + 1 <= limits.max_packed_entries && member.size() <= limits.max_packed_value) {
      pack_.Insert(score, member);
      return;
    }
    ConvertToBig();
  }
  big()->index.Add(member, ScoreBytes(score));
  big()->tree.Insert(score, member);
}

bool ZSet::Find(std::string_view member, Found* found) const {
  if (big() == nullptr) {
    found->table_score = nullptr;
    return pack_.Find(member, &found->score);
  }
  std::string_view value;
  if (!big()->index.Find(member, &value)) return false;
  found->score = ScoreOf(value);
  // The table hands out a view of its own bytes; the 8 score bytes are rewritten in place.
  found->table_score = const_cast<char*>(value.data());
  return true;
}

void ZSet::ChangeScore(std::string_view member, const Found& found, double score) {
  if (big() == nullptr) {
    pack_.Erase(member);
    pack_.Insert(score, member);
    return;
  }
  std::memcpy(found.table_score, &score, sizeof(score));
  big()->tree.Erase(found.score, member);
  big()->tree.Insert(score, member);
}

bool ZSet::Remove(std::string_view member) {
  if (big() == nullptr) return pack_.Erase(member);
  double score;
  if (!FindScore(big()->index, member, &score)) return false;
  big()->index.Erase(member);
  big()->tree.Erase(score, member);
  return true;
}

size_t ZSet::CountBefore(const ZBound& bound) const {
  return big() == nullptr ? pack_.CountBefore(bound) : big()->tree.CountBefore(bound);
}

void ZSet::ForRange(size_t start, size_t end, bool reverse,
                    absl::FunctionRef<bool(double, std::string_view)> visit) const {
  if (big() == nullptr) {
    pack_.ForRange(start, end, reverse, visit);
  } else {
    big()->tree.ForRange(start, end, reverse, visit);
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
  if (big() == nullptr) {
    pack_.EraseRanks(start, n, removed);
    return;
  }
  big()->tree.EraseRanks(start, n, [&](double s, std::string_view m) {
    big()->index.Erase(m);
    removed(s, m);
  });
}

void ZSet::ConvertToBig() {
  if (big() != nullptr) return;
  Big* big = new Big;
  big->index.Reserve(pack_.count + 1);
  ZTree& tree = big->tree;
  if (pack_.count > 0) {
    pack_.ForRange(0, pack_.count - 1, false, [&](double s, std::string_view m) {
      big->index.Add(m, ScoreBytes(s));
      tree.Insert(s, m);
      return true;
    });
  }
  SetBig(big);
}

void ZSet::ShrinkToPackedIfFits(const ZSetLimits& limits) {
  if (big() == nullptr || big()->tree.size() > limits.max_packed_entries) return;
  if (big()->tree.size() > 0) {
    size_t longest = 0;
    big()->tree.ForRange(0, big()->tree.size() - 1, false, [&](double, std::string_view m) {
      longest = std::max(longest, m.size());
      return true;
    });
    if (longest > limits.max_packed_value) return;
  }
  ZPack packed;
  if (big()->tree.size() > 0) {
    big()->tree.ForRange(0, big()->tree.size() - 1, false, [&](double s, std::string_view m) {
      packed.Insert(s, m);
      return true;
    });
  }
  Big* old = big();
  pack_ = packed;
  delete old;
}

uint64_t ZSet::Scan(uint64_t cursor, size_t count,
                    absl::FunctionRef<void(double, std::string_view)> visit) const {
  if (big() == nullptr) {
    ForEach(visit);
    return 0;
  }
  return big()->index.Scan(cursor, count,
                           [&](const PackedTable::Entry& e) { visit(ScoreOf(e.value), e.key); });
}

void ZSet::CheckInvariants() const {
  if (big() == nullptr) return;
  big()->tree.CheckInvariants();
  if (big()->index.size() != big()->tree.size()) std::abort();
}

}  // namespace rill::ds
