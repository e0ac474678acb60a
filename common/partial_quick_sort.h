// PartialQuickSort: puts into positions [lo, hi] of a sequence what a full sort would put there,
// sorting only the parts of the sequence that overlap that range.
//
// Why not std::partial_sort or std::nth_element: Redis 7.0 sorts SORT ... BY ... LIMIT with its
// own partial quicksort (Bentley and McIlroy's "Engineering a Sort Function", NetBSD's qsort,
// with sub-ranges outside [lo, hi] left alone). Elements that compare equal come out in the
// order that algorithm's exact sequence of comparisons and swaps leaves them, and clients see
// that order. This is the same algorithm, comparison for comparison and swap for swap, so that
// ties come out in Redis's order when the input is in Redis's order.
//
// Contract: `cmp(a, b)` is a three-way comparison (< 0, 0, > 0), a strict weak order. lo and hi
// are indices; hi < lo (an empty range) and indices outside the sequence are allowed, and then
// only the parts of the sequence that overlap [lo, hi] are sorted. O(n log n) expected time. As
// in Redis, the part below the pivot is sorted by recursion and the part above by iteration.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <utility>

namespace rill {

namespace partial_quick_sort_internal {

// Index of the median of v[a], v[b], v[c].
template <typename T, typename Cmp>
ptrdiff_t Median3(std::span<T> v, ptrdiff_t a, ptrdiff_t b, ptrdiff_t c, Cmp& cmp) {
  if (cmp(v[a], v[b]) < 0) {
    if (cmp(v[b], v[c]) < 0) return b;
    return cmp(v[a], v[c]) < 0 ? c : a;
  }
  if (cmp(v[b], v[c]) > 0) return b;
  return cmp(v[a], v[c]) < 0 ? a : c;
}

template <typename T, typename Cmp>
void InsertionSort(std::span<T> v, ptrdiff_t first, ptrdiff_t n, Cmp& cmp) {
  for (ptrdiff_t m = first + 1; m < first + n; ++m) {
    for (ptrdiff_t l = m; l > first && cmp(v[l - 1], v[l]) > 0; --l) std::swap(v[l], v[l - 1]);
  }
}

// Swaps the k elements from i with the k elements from j, in order.
template <typename T>
void SwapRuns(std::span<T> v, ptrdiff_t i, ptrdiff_t j, ptrdiff_t k) {
  for (ptrdiff_t t = 0; t < k; ++t) std::swap(v[i + t], v[j + t]);
}

// True when the elements [first, first + n) overlap [lo, hi].
inline bool Overlaps(ptrdiff_t first, ptrdiff_t n, ptrdiff_t lo, ptrdiff_t hi) {
  const ptrdiff_t last = first + n - 1;
  return !((lo < first && hi < first) || (lo > last && hi > last));
}

template <typename T, typename Cmp>
void Sort(std::span<T> v, ptrdiff_t first, ptrdiff_t n, ptrdiff_t lo, ptrdiff_t hi, Cmp& cmp) {
  for (;;) {
    if (n < 7) {
      InsertionSort(v, first, n, cmp);
      return;
    }
    // The pivot: the middle element, the median of three for n > 7, the median of three
    // medians of three for n > 40. It moves to v[first].
    ptrdiff_t m = first + n / 2;
    if (n > 7) {
      ptrdiff_t l = first;
      ptrdiff_t r = first + n - 1;
      if (n > 40) {
        const ptrdiff_t d = n / 8;
        l = Median3(v, l, l + d, l + 2 * d, cmp);
        m = Median3(v, m - d, m, m + d, cmp);
        r = Median3(v, r - 2 * d, r - d, r, cmp);
      }
      m = Median3(v, l, m, r, cmp);
    }
    std::swap(v[first], v[m]);

    // Three-way partition: elements equal to the pivot gather at both ends ([first, pa) and
    // (pd, end)), smaller ones in [pa, pb), greater ones in (pc, pd].
    bool swapped = false;
    ptrdiff_t pa = first + 1, pb = first + 1;
    ptrdiff_t pc = first + n - 1, pd = first + n - 1;
    for (;;) {
      int c;
      while (pb <= pc && (c = cmp(v[pb], v[first])) <= 0) {
        if (c == 0) {
          swapped = true;
          std::swap(v[pa], v[pb]);
          ++pa;
        }
        ++pb;
      }
      while (pb <= pc && (c = cmp(v[pc], v[first])) >= 0) {
        if (c == 0) {
          swapped = true;
          std::swap(v[pc], v[pd]);
          --pd;
        }
        --pc;
      }
      if (pb > pc) break;
      std::swap(v[pb], v[pc]);
      swapped = true;
      ++pb;
      --pc;
    }
    if (!swapped) {  // already partitioned without a swap: likely sorted, finish by insertion
      InsertionSort(v, first, n, cmp);
      return;
    }

    // Moves the equal runs to the middle.
    const ptrdiff_t end = first + n;
    ptrdiff_t r = std::min(pa - first, pb - pa);
    SwapRuns(v, first, pb - r, r);
    r = std::min(pd - pc, end - pd - 1);
    SwapRuns(v, pb, end - r, r);

    // The smaller-than part, recursively; the greater-than part, by looping.
    if ((r = pb - pa) > 1 && Overlaps(first, r, lo, hi)) Sort(v, first, r, lo, hi, cmp);
    if ((r = pd - pc) <= 1) return;
    first = end - r;
    n = r;
    if (!Overlaps(first, n, lo, hi)) return;
  }
}

}  // namespace partial_quick_sort_internal

template <typename T, typename Cmp>
void PartialQuickSort(std::span<T> v, ptrdiff_t lo, ptrdiff_t hi, Cmp cmp) {
  partial_quick_sort_internal::Sort(v, 0, static_cast<ptrdiff_t>(v.size()), lo, hi, cmp);
}

}  // namespace rill
