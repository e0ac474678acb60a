#include "datastructs/key_index.h"

namespace rill::ds {

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

KeyIndex::Block* KeyIndex::Find(std::string_view key, uint64_t hash) const {
  return table_.FindOr(key, hash, nullptr);
}

void KeyIndex::PrefetchBlock(uint64_t hash) const {
  table_.PrefetchEntry(hash, [](const Block* b) { __builtin_prefetch(b); });
}

void KeyIndex::Replace(const Block* old_block, Block* new_block, uint64_t hash) {
  // The new block has the same key, hence the same hash and equality class: overwriting the
  // stored pointer keeps the set consistent and saves an erase + insert.
  *table_.Find(block::Key(old_block), hash).slot = new_block;
}

void KeyIndex::Insert(Block* b, uint64_t hash) {
  table_.Insert(block::Key(b), hash, [b](Policy::Store&) { return b; });
}

KeyIndex::Block* KeyIndex::Erase(std::string_view key, uint64_t hash) {
  Block* erased = nullptr;
  table_.Erase(key, hash, [&erased](Policy::Store&, Block* b) { erased = b; });
  return erased;
}

KeyIndex::Block* KeyIndex::Random(absl::BitGen& gen) const {
  const Policy::Store* store;
  Block* b;
  return table_.Random(gen, &store, &b) ? b : nullptr;
}

}  // namespace rill::ds
