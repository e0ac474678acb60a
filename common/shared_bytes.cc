#include "common/shared_bytes.h"

#include <malloc.h>

#include <cstdlib>

namespace rill {

std::span<const SharedBytes> LentBuffers::lent_;

SharedBytes SharedBytes::Allocate(size_t size) {
  SharedBytes bytes;
  auto* header = static_cast<Header*>(std::malloc(sizeof(Header) + size));
  if (header == nullptr) return bytes;
  header->refs = 1;
  header->size = size;
  bytes.header_ = header;
  return bytes;
}

size_t SharedBytes::allocated_bytes() const {
  return header_ == nullptr ? 0 : malloc_usable_size(header_);
}

bool SharedBytes::Resize(size_t size) {
  if (header_ == nullptr) {
    *this = Allocate(size);
    return header_ != nullptr;
  }
  auto* header = static_cast<Header*>(std::realloc(header_, sizeof(Header) + size));
  if (header == nullptr) return false;
  header->size = size;
  header_ = header;
  return true;
}

void SharedBytes::Release() {
  if (header_ != nullptr && --header_->refs == 0) std::free(header_);
  header_ = nullptr;
}

const SharedBytes* LentBuffers::FindSlow(std::string_view bytes) {
  for (const SharedBytes& buffer : lent_) {
    if (buffer.data() == bytes.data() && buffer.size() == bytes.size()) return &buffer;
  }
  return nullptr;
}

}  // namespace rill
