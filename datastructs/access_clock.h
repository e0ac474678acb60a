// Per-key access information, kept in 24 bits of each key's block as Redis keeps it in the
// object header (robj.lru), and interpreted by the current maxmemory-policy:
//
//   LRU: the 24-bit "LRU clock" at the last access, in seconds (unix seconds mod 2^24).
//   LFU: | last decrement time, minutes mod 2^16 (16 bits) | logarithmic counter (8 bits) |
//
// The counter grows with probability 1 / ((counter - 5) * lfu-log-factor + 1) per access and
// loses one step per lfu-decay-time minutes without access; new keys start at 5 so that they
// are not evicted before they had a chance to be used. Switching policy at run time keeps the
// bits and reinterprets them, as Redis does.
//
// The clock belongs to the engine (one per process) and is shared by its databases; the engine
// refreshes it before each command, so every access in a command sees one "now".
#pragma once

#include <cstdint>

namespace rill::ds {

inline constexpr uint32_t kAccessBitsMask = (1u << 24) - 1;
inline constexpr uint32_t kLfuInitialCounter = 5;  // Redis's LFU_INIT_VAL

class AccessClock {
 public:
  // Refreshes the clocks from a wall-clock time in milliseconds.
  void Update(int64_t now_ms) {
    lru_seconds_ = static_cast<uint32_t>(now_ms / 1000) & kAccessBitsMask;
    lfu_minutes_ = static_cast<uint32_t>(now_ms / 60000) & 0xFFFF;
  }

  void set_lfu(bool lfu) { lfu_ = lfu; }
  bool lfu() const { return lfu_; }
  void set_lfu_log_factor(int64_t factor) { lfu_log_factor_ = factor; }
  void set_lfu_decay_time(int64_t minutes) { lfu_decay_time_ = minutes; }
  // While a forked child shares the parent's pages, accesses leave keys untouched so that
  // reads do not copy pages (Redis skips the update when a child is active).
  void set_touch_enabled(bool enabled) { touch_enabled_ = enabled; }
  bool touch_enabled() const { return touch_enabled_; }

  uint32_t lru_seconds() const { return lru_seconds_; }

  // Bits of a key created now.
  uint32_t NewKeyBits() const {
    return lfu_ ? (lfu_minutes_ << 8) | kLfuInitialCounter : lru_seconds_;
  }

  // Bits after one access of a key that had `bits`.
  uint32_t Touched(uint32_t bits) {
    if (!lfu_) return lru_seconds_;
    uint32_t counter = LfuLogIncrement(DecayedCounter(bits));
    return (lfu_minutes_ << 8) | counter;
  }

  // LFU bits of a key whose counter a file recorded (RDB_OPCODE_FREQ): that counter, last
  // decremented now, as Redis's objectSetLRUOrLFU.
  uint32_t LfuBitsWithCounter(uint8_t counter) const { return (lfu_minutes_ << 8) | counter; }

  // LRU bits of a key a file recorded as idle for `idle_seconds` (RDB_OPCODE_IDLE): accessed
  // that long before now on the wrapping clock, as Redis 7.0's objectSetLRUOrLFU (which adds
  // LRU_CLOCK_MAX when now - idle is negative). The clock holds idle times up to
  // kAccessBitsMask - 1 seconds (about 194 days); a longer one is kept as that longest one,
  // where Redis lets it wrap around to an arbitrary, possibly recent, access.
  uint32_t LruBitsIdleFor(uint64_t idle_seconds) const {
    const uint32_t idle = idle_seconds < kAccessBitsMask - 1 ? static_cast<uint32_t>(idle_seconds)
                                                             : kAccessBitsMask - 1;
    return idle <= lru_seconds_ ? lru_seconds_ - idle : lru_seconds_ + kAccessBitsMask - idle;
  }

  // LRU: milliseconds since the access recorded in `bits` (at one-second resolution).
  uint64_t IdleMs(uint32_t bits) const {
    const uint32_t then = bits & kAccessBitsMask;
    const uint32_t elapsed =
        lru_seconds_ >= then ? lru_seconds_ - then : lru_seconds_ + (kAccessBitsMask - then);
    return static_cast<uint64_t>(elapsed) * 1000;
  }

  // LFU: the counter in `bits` after the decay due since its last decrement time.
  uint32_t DecayedCounter(uint32_t bits) const {
    const uint32_t then = (bits >> 8) & 0xFFFF;
    uint32_t counter = bits & 0xFF;
    if (lfu_decay_time_ <= 0) return counter;
    const uint32_t elapsed =
        lfu_minutes_ >= then ? lfu_minutes_ - then : 65535 - then + lfu_minutes_;
    const uint64_t periods = elapsed / static_cast<uint64_t>(lfu_decay_time_);
    return periods >= counter ? 0 : counter - static_cast<uint32_t>(periods);
  }

 private:
  uint32_t LfuLogIncrement(uint32_t counter) {
    if (counter >= 255) return 255;
    const double r = static_cast<double>(NextRandom() >> 11) * (1.0 / 9007199254740992.0);
    const double base = counter > kLfuInitialCounter ? counter - kLfuInitialCounter : 0;
    const double p = 1.0 / (base * static_cast<double>(lfu_log_factor_) + 1);
    return r < p ? counter + 1 : counter;
  }

  // xorshift64*: the counter only needs cheap, roughly uniform numbers.
  uint64_t NextRandom() {
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    return rng_ * 0x2545F4914F6CDD1DULL;
  }

  uint32_t lru_seconds_ = 0;
  uint32_t lfu_minutes_ = 0;
  bool lfu_ = false;
  bool touch_enabled_ = true;
  int64_t lfu_log_factor_ = 10;
  int64_t lfu_decay_time_ = 1;
  uint64_t rng_ = 0x9E3779B97F4A7C15ULL;
};

}  // namespace rill::ds
