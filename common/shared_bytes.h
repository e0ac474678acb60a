// SharedBytes: a heap byte buffer shared by reference counting, so that a big value can change
// hands without being copied. A connection reads a large bulk argument into one (sized for that
// argument alone), and a store that keeps the argument verbatim (SET's value) takes a reference
// to the same buffer instead of copying 100 MB into the key's block. Redis does the same for
// bulks of at least 32 KB: the argument's object is made from the query buffer itself.
//
// LentBuffers is how the second half finds the first without any command knowing: the
// connection lends the buffers of the command it is about to execute (a Scope around the call),
// and the keyspace asks whether the bytes it was handed are exactly one of them.
//
// Single-threaded: references are taken and dropped on the event-loop thread only.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

namespace rill {

class SharedBytes {
 public:
  SharedBytes() = default;
  // `size` uninitialized bytes, or an empty SharedBytes when the allocation fails.
  static SharedBytes Allocate(size_t size);

  SharedBytes(const SharedBytes& other) : header_(other.header_) {
    if (header_ != nullptr) ++header_->refs;
  }
  SharedBytes(SharedBytes&& other) noexcept : header_(std::exchange(other.header_, nullptr)) {}
  SharedBytes& operator=(SharedBytes other) noexcept {
    std::swap(header_, other.header_);
    return *this;
  }
  ~SharedBytes() { Release(); }

  explicit operator bool() const { return header_ != nullptr; }
  char* data() const { return header_ == nullptr ? nullptr : reinterpret_cast<char*>(header_ + 1); }
  size_t size() const { return header_ == nullptr ? 0 : header_->size; }
  std::string_view view() const { return {data(), size()}; }
  bool unique() const { return header_ != nullptr && header_->refs == 1; }
  // Bytes the allocation occupies (malloc's usable size plus the header), for MEMORY USAGE.
  size_t allocated_bytes() const;

  // Changes the size of an unshared buffer, keeping the first min(old, new) bytes. realloc
  // moves a big (mmapped) block by remapping its pages: growing in steps costs no copy and
  // touches no page before bytes are written to it. False (buffer unchanged) when out of
  // memory. An empty SharedBytes is allocated. REQUIRES: unique() or empty.
  bool Resize(size_t size);

 private:
  struct Header {
    size_t refs;
    size_t size;
  };
  void Release();

  Header* header_ = nullptr;
};

class LentBuffers {
 public:
  // Lends `buffers` until the scope ends. Scopes nest (the inner one wins while it lasts).
  class Scope {
   public:
    explicit Scope(std::span<const SharedBytes> buffers) : saved_(std::exchange(lent_, buffers)) {}
    ~Scope() { lent_ = saved_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::span<const SharedBytes> saved_;
  };

  // The lent buffer whose bytes are exactly `bytes` (same address, same length), or nullptr;
  // copy it to keep a reference. Costs one load and a test when nothing is lent.
  static const SharedBytes* Find(std::string_view bytes) {
    if (lent_.empty()) return nullptr;
    return FindSlow(bytes);
  }

 private:
  static const SharedBytes* FindSlow(std::string_view bytes);
  static std::span<const SharedBytes> lent_;
};

}  // namespace rill
