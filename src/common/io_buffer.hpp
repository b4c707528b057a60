#pragma once
/// A contiguous byte buffer for relaying: bytes are appended at the end and consumed from the
/// front. Storage comes from a per-thread cache of fixed-size blocks and goes back there as soon
/// as the buffer is empty, so an idle session holds no buffer memory. A buffer grows past the
/// block size only when one message must be seen whole (then it is heap-allocated).
/// Not thread-safe; create and destroy on one thread (the cache is thread-local).

#include <cstddef>
#include <cstdint>
#include <span>

namespace pgw {

class IoBuffer {
 public:
  static constexpr std::size_t kBlockSize = 16 * 1024;

  IoBuffer() = default;
  ~IoBuffer() { free_storage(); }
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;
  IoBuffer(IoBuffer&& other) noexcept;
  IoBuffer& operator=(IoBuffer&& other) noexcept;

  std::span<const std::uint8_t> data() const { return {data_ + begin_, end_ - begin_}; }
  std::size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  std::size_t capacity() const { return capacity_; }

  /// Free space at the end, at least 1 byte: compacts, and takes a block when there is none.
  std::span<std::uint8_t> writable();
  void commit(std::size_t n) { end_ += n; }
  /// Drops `n` bytes from the front; returns the storage to the cache when nothing is left.
  void consume(std::size_t n);
  /// Makes room for `capacity` bytes in total (keeps the data).
  void reserve(std::size_t capacity);
  void append(std::span<const std::uint8_t> bytes);
  void clear() { consume(size()); }

 private:
  void free_storage();

  std::uint8_t* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace pgw
