#include "common/io_buffer.hpp"
#include <utility>

#include <cstring>
#include <vector>

namespace pgw {
namespace {

/// Per-thread cache of kBlockSize blocks; bounded so a burst does not pin memory forever.
class BlockCache {
 public:
  static constexpr std::size_t kMaxCached = 64;
  ~BlockCache() {
    for (auto* block : blocks_)
      delete[] block;
  }
  std::uint8_t* take() {
    if (blocks_.empty()) return new std::uint8_t[IoBuffer::kBlockSize];
    auto* block = blocks_.back();
    blocks_.pop_back();
    return block;
  }
  void give(std::uint8_t* block) {
    if (blocks_.size() >= kMaxCached) {
      delete[] block;
      return;
    }
    blocks_.push_back(block);
  }

 private:
  std::vector<std::uint8_t*> blocks_;
};

BlockCache& cache() {
  thread_local BlockCache c;
  return c;
}

}  // namespace

IoBuffer::IoBuffer(IoBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      begin_(std::exchange(other.begin_, 0)),
      end_(std::exchange(other.end_, 0)) {}

IoBuffer& IoBuffer::operator=(IoBuffer&& other) noexcept {
  if (this != &other) {
    free_storage();
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
    begin_ = std::exchange(other.begin_, 0);
    end_ = std::exchange(other.end_, 0);
  }
  return *this;
}

std::span<std::uint8_t> IoBuffer::writable() {
  if (data_ == nullptr) {
    data_ = cache().take();
    capacity_ = kBlockSize;
  }
  if (end_ == capacity_ && begin_ > 0) {
    std::memmove(data_, data_ + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) reserve(capacity_ * 2);
  return {data_ + end_, capacity_ - end_};
}

void IoBuffer::consume(std::size_t n) {
  begin_ += n;
  if (begin_ == end_) {
    begin_ = end_ = 0;
    free_storage();
  }
}

void IoBuffer::reserve(std::size_t capacity) {
  if (capacity <= capacity_ && data_ != nullptr) {
    if (capacity_ - begin_ < capacity) {  // room exists only after compacting
      std::memmove(data_, data_ + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    return;
  }
  std::size_t new_capacity = capacity < kBlockSize ? kBlockSize : capacity;
  auto* fresh = new_capacity == kBlockSize ? cache().take() : new std::uint8_t[new_capacity];
  if (data_ != nullptr) std::memcpy(fresh, data_ + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  free_storage();
  data_ = fresh;
  capacity_ = new_capacity;
}

void IoBuffer::append(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  reserve(size() + bytes.size());
  if (capacity_ - end_ < bytes.size()) reserve(size() + bytes.size());
  std::memcpy(data_ + end_, bytes.data(), bytes.size());
  end_ += bytes.size();
}

void IoBuffer::free_storage() {
  if (data_ == nullptr) return;
  if (capacity_ == kBlockSize) {
    cache().give(data_);
  } else {
    delete[] data_;
  }
  data_ = nullptr;
  capacity_ = 0;
}

}  // namespace pgw
