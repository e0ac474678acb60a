// A connection's read buffer: malloc'd and grown with realloc, never zero-filled. Room kept for
// the next read therefore costs resident memory only once bytes arrive in it (std::string's
// resize wrote zeros over all of it: 16 KB per connection before its first command ran).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <utility>

namespace rill {

class ReadBuffer {
 public:
  ReadBuffer() = default;
  ~ReadBuffer() { std::free(data_); }
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;

  char* data() const { return data_; }
  size_t capacity() const { return capacity_; }

  // Grows to `capacity` bytes, keeping the contents; false (buffer unchanged) when out of
  // memory. REQUIRES: capacity > this->capacity().
  bool Grow(size_t capacity) {
    void* grown = std::realloc(data_, capacity);
    if (grown == nullptr) return false;
    data_ = static_cast<char*>(grown);
    capacity_ = capacity;
    return true;
  }

  // Frees the memory; the buffer is empty with no capacity.
  void Release() {
    std::free(std::exchange(data_, nullptr));
    capacity_ = 0;
  }

 private:
  char* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace rill
