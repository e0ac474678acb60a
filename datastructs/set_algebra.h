// SINTER / SINTERCARD / SUNION / SDIFF over sets (pure data: the command layer looks the keys up
// and replies). A null pointer stands for a missing key, which every command treats as an empty
// set. Results come as new Sets built with Set::Add under the caller's limits, so a stored
// result takes the encoding Redis's would (it also starts from an intset and adds).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "datastructs/set.h"

namespace rill::ds {

// Visits the members common to every set, at most `limit` of them (0: no limit), taking the
// smallest set's members in its order and checking them against the others, smallest first
// (Redis's sinterGenericCommand). Nothing if any set is missing or empty. Returns how many
// were visited.
size_t Intersect(std::span<const Set* const> sets, size_t limit,
                 absl::FunctionRef<void(std::string_view member)> visit);

// The intersection, union (every member of any set) or difference (members of the first set
// in none of the others) as a new set; empty when nothing is left.
std::unique_ptr<Set> Intersection(std::span<const Set* const> sets, const SetLimits& limits);
std::unique_ptr<Set> Union(std::span<const Set* const> sets, const SetLimits& limits);
std::unique_ptr<Set> Difference(std::span<const Set* const> sets, const SetLimits& limits);

}  // namespace rill::ds
