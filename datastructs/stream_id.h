// Stream entry IDs ("<ms>-<seq>", two unsigned 64-bit parts) and their textual forms, with
// Redis 7.0's exact acceptance rules for IDs given by clients.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rill::ds {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  friend auto operator<=>(const StreamId&, const StreamId&) = default;

  static constexpr StreamId Min() { return {0, 0}; }
  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }
  bool IsZero() const { return ms == 0 && seq == 0; }

  // The next / previous ID in the total order; false (and unchanged) at the ends, as Redis's
  // streamIncrID / streamDecrID.
  bool Increment();
  bool Decrement();

  std::string ToString() const;
  // Writes "<ms>-<seq>" into `buf` (at least kMaxTextSize bytes); returns the length.
  size_t Format(char* buf) const;
  static constexpr size_t kMaxTextSize = 42;
};

// How a client-given ID is parsed (Redis's streamGenericParseIDOrReply):
//   "-" / "+"     the minimum / maximum ID, unless `strict`;
//   "<ms>"        sequence `missing_seq`;
//   "<ms>-<seq>"  both parts as Redis's string2ull reads them;
//   "<ms>-*"      only when `seq_given` is non-null: sequence to be generated, *seq_given = false.
// Returns false for anything else (the caller replies kInvalidStreamId).
bool ParseStreamId(std::string_view text, uint64_t missing_seq, bool strict, bool* seq_given,
                   StreamId* out);

// A range bound: "(" before an ID makes it exclusive (then parsed strictly), as Redis's
// streamParseIntervalIDOrReply. `exclusive` may be null when exclusion is not allowed.
bool ParseStreamIntervalId(std::string_view text, uint64_t missing_seq, bool* exclusive,
                           StreamId* out);

}  // namespace rill::ds
