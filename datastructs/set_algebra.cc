#include "datastructs/set_algebra.h"

#include <algorithm>
#include <vector>

namespace rill::ds {

size_t Intersect(std::span<const Set* const> sets, size_t limit,
                 absl::FunctionRef<void(std::string_view member)> visit) {
  std::vector<const Set*> sorted(sets.begin(), sets.end());
  for (const Set* s : sorted) {
    if (s == nullptr || s->empty()) return 0;
  }
  // Smallest first: the fewest members to walk, and the likeliest misses checked first.
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Set* a, const Set* b) { return a->size() < b->size(); });
  size_t found = 0;
  const Set& first = *sorted.front();
  const std::span<const Set* const> others(sorted.data() + 1, sorted.size() - 1);
  // ForEach cannot stop early; once the limit is reached the rest of the walk is skipped.
  first.ForEach([&](std::string_view member) {
    if (limit != 0 && found >= limit) return;
    for (const Set* other : others) {
      if (other != &first && !other->Contains(member)) return;
    }
    ++found;
    visit(member);
  });
  return found;
}

std::unique_ptr<Set> Intersection(std::span<const Set* const> sets, const SetLimits& limits) {
  auto out = std::make_unique<Set>();
  Intersect(sets, 0, [&](std::string_view m) { out->Add(m, limits); });
  return out;
}

std::unique_ptr<Set> Union(std::span<const Set* const> sets, const SetLimits& limits) {
  auto out = std::make_unique<Set>();
  for (const Set* s : sets) {
    if (s != nullptr) s->ForEach([&](std::string_view m) { out->Add(m, limits); });
  }
  return out;
}

std::unique_ptr<Set> Difference(std::span<const Set* const> sets, const SetLimits& limits) {
  auto out = std::make_unique<Set>();
  if (sets.empty() || sets.front() == nullptr) return out;
  const Set& first = *sets.front();
  // Redis picks between checking each member of the first set against the others (cheap when
  // the first set is small) and copying the first set then removing the others' members; the
  // result is the same set either way.
  size_t work_check = first.size() * (sets.size() - 1), work_remove = first.size();
  for (const Set* s : sets.subspan(1)) work_remove += s != nullptr ? s->size() : 0;
  if (work_check / 2 <= work_remove) {
    first.ForEach([&](std::string_view m) {
      for (const Set* other : sets.subspan(1)) {
        if (other == &first) return;  // SDIFF a a: nothing is left
        if (other != nullptr && other->Contains(m)) return;
      }
      out->Add(m, limits);
    });
    return out;
  }
  first.ForEach([&](std::string_view m) { out->Add(m, limits); });
  for (const Set* other : sets.subspan(1)) {
    if (other == nullptr) continue;
    other->ForEach([&](std::string_view m) { out->Erase(m); });
    if (out->empty()) break;
  }
  return out;
}

}  // namespace rill::ds
