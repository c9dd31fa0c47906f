#pragma once
// RecordBatch v2 (magic 2): the writer that encodes records straight into a caller-owned
// buffer, and the readers that parse batches (one, or the consecutive batches of a Fetch
// response's `records`) without copying. See the protocol guide's "Record Batch" section.
//
// Batch layout (61-byte header, then records, possibly compressed):
//   baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 | crc u32 |
//   attributes i16 | lastOffsetDelta i32 | baseTimestamp i64 | maxTimestamp i64 |
//   producerId i64 | producerEpoch i16 | baseSequence i32 | recordCount i32 | records...
// batchLength counts from partitionLeaderEpoch to the end; the CRC-32C covers attributes to
// the end and is computed last (after compression).
// Record: length varint | attributes i8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value |
//   headerCount varint | headers (keyLength varint | key | valueLength varint | value)...

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "rawkafka/protocol/codec.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

// ---- Header layout -------------------------------------------------------------------------

constexpr size_t kBaseOffsetOffset = 0;
constexpr size_t kBatchLengthOffset = 8;
constexpr size_t kPartitionLeaderEpochOffset = 12;
constexpr size_t kMagicOffset = 16;
constexpr size_t kCrcOffset = 17;
constexpr size_t kAttributesOffset = 21;
constexpr size_t kLastOffsetDeltaOffset = 23;
constexpr size_t kBaseTimestampOffset = 27;
constexpr size_t kMaxTimestampOffset = 35;
constexpr size_t kProducerIdOffset = 43;
constexpr size_t kProducerEpochOffset = 51;
constexpr size_t kBaseSequenceOffset = 53;
constexpr size_t kRecordCountOffset = 57;
constexpr size_t kRecordBatchHeaderSize = 61;
static_assert(kRecordCountOffset + 4 == kRecordBatchHeaderSize, "RecordBatch v2 header is 61 bytes");

// Bytes before batchLength's coverage starts (baseOffset + batchLength).
constexpr size_t kBatchLogOverhead = 12;
constexpr int8_t kRecordBatchMagic = 2;

// Attributes bits.
constexpr int16_t kAttributeCompressionMask = 0x07;
constexpr int16_t kAttributeLogAppendTime = 0x08;  // timestampType = LogAppendTime
constexpr int16_t kAttributeTransactional = 0x10;
constexpr int16_t kAttributeControl = 0x20;
constexpr int16_t kAttributeDeleteHorizon = 0x40;

// The most bytes a batch's records may decompress to unless the caller says otherwise.
constexpr size_t kDefaultMaxDecompressedSize = size_t(64) << 20;

struct RecordHeader {
  std::string_view key;
  std::optional<Bytes> value;
};

// Bytes of one record after its length varint.
inline size_t record_body_size(int64_t timestamp_delta, int32_t offset_delta, std::optional<Bytes> key,
                               std::optional<Bytes> value, std::span<const RecordHeader> headers = {}) {
  size_t body = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta);
  body += key ? varint_size(int32_t(key->size())) + key->size() : 1;
  body += value ? varint_size(int32_t(value->size())) + value->size() : 1;
  body += varint_size(int32_t(headers.size()));
  for (const RecordHeader& h : headers) {
    body += varint_size(int32_t(h.key.size())) + h.key.size();
    body += h.value ? varint_size(int32_t(h.value->size())) + h.value->size() : 1;
  }
  return body;
}

// Bytes one record takes on the wire, its length varint included.
inline size_t record_wire_size_for(int64_t timestamp_delta, int32_t offset_delta, std::optional<Bytes> key,
                                   std::optional<Bytes> value, std::span<const RecordHeader> headers = {}) {
  const size_t body = record_body_size(timestamp_delta, offset_delta, key, value, headers);
  return varint_size(int32_t(body)) + body;
}

// ---- Writer --------------------------------------------------------------------------------

struct FinishOptions {
  Codec* codec = nullptr;                  // nullptr: uncompressed
  std::span<uint8_t> compression_buffer;   // where a compressed batch is built
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  int32_t partition_leader_epoch = -1;
};

struct FinishResult {
  Bytes batch;                  // the finished batch, ready to send; empty on error
  const char* error = nullptr;  // static reason when finishing failed
  bool ok() const { return error == nullptr; }
};

// Encodes one batch into a caller-owned buffer: reset() → append()… → finish(). Sizes are
// exact as records are appended, nothing moves later, and nothing is allocated. finish() is a
// pure function of the writer's state and options: finishing again gives the same bytes, so a
// retry can rebuild the exact batch.
class RecordBatchWriter {
 public:
  RecordBatchWriter() = default;

  // Starts a new batch in `buffer` (which must outlive the batch) and writes the header
  // placeholders. `base_timestamp` is the first record's timestamp (timestamps of records are
  // stored as deltas from it). Returns false if the buffer cannot even hold the header; then
  // every append() fails and finish() reports an error.
  bool reset(std::span<uint8_t> buffer, int64_t base_timestamp);

  // Exact bytes append() would add for this record.
  size_t record_wire_size(int64_t timestamp, std::optional<Bytes> key, std::optional<Bytes> value,
                          std::span<const RecordHeader> headers = {}) const {
    return record_wire_size_for(timestamp_delta(timestamp), count_, key, value, headers);
  }

  // Appends a record; returns false, writing nothing, if it does not fit in the buffer.
  bool append(int64_t timestamp, std::optional<Bytes> key, std::optional<Bytes> value,
              std::span<const RecordHeader> headers);

  // The common case: no headers, written in place in one pass.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports std::optional<span> payloads read under has_value() as maybe-uninitialized
// once this is inlined into callers (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#if defined(__GNUC__)
  __attribute__((always_inline))
#endif
  inline bool append(int64_t timestamp, std::optional<Bytes> key, std::optional<Bytes> value) {
    // Zigzag forms of every varint first; non-negative lengths zigzag to 2n.
    const uint64_t zz_ts = detail::zigzag64(timestamp_delta(timestamp));
    const uint32_t zz_offset = uint32_t(count_) << 1;
    const uint8_t* key_data = nullptr;
    size_t key_size = 0;
    uint32_t zz_key = 1;  // zigzag(-1): null
    if (key) {
      key_data = key->data();
      key_size = key->size();
      zz_key = uint32_t(key_size) << 1;
    }
    const uint8_t* value_data = nullptr;
    size_t value_size = 0;
    uint32_t zz_value = 1;
    if (value) {
      value_data = value->data();
      value_size = value->size();
      zz_value = uint32_t(value_size) << 1;
    }
    // The body is written first, as many bytes in as the last record's length varint took
    // (records of a batch are mostly alike): the sizes need not be worked out beforehand. A
    // record whose length varint differs moves its body once.
    // Room for the most the record can take: length 5 + attributes 1 + timestamp 10 + offset 5
    // + key length 5 + key + value length 5 + value + header count 1.
    if (__builtin_expect(key_size + value_size + 32 > capacity_ - size_, 0)) {
      return append_exact(timestamp, key, value);
    }
    uint8_t* const start = data_ + size_;
    const size_t guess = length_bytes_;
    uint8_t* p = start + guess;
    *p++ = 0;  // record attributes (unused)
    p = put_uvarint(p, zz_ts);
    p = put_uvarint(p, zz_offset);
    p = put_uvarint(p, zz_key);
    copy_bytes(p, key_data, key_size);
    p += key_size;
    p = put_uvarint(p, zz_value);
    copy_bytes(p, value_data, value_size);
    p += value_size;
    *p++ = 0;  // no headers
    const size_t body = size_t(p - (start + guess));
    const size_t n = body < 64 ? 1 : body < 8192 ? 2 : varint_length(uint64_t(body) << 1);
    if (__builtin_expect(n != guess, 0)) {
      std::memmove(start + n, start + guess, body);
      length_bytes_ = uint8_t(n);
    }
    put_uvarint(start, uint64_t(body) << 1);
    size_ += n + body;
    note_appended(timestamp);
    return true;
  }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

  // Finishes the batch: patches the header (and compresses the records into
  // options.compression_buffer when options.codec is set) and computes the CRC last.
  // The uncompressed records stay intact either way.
  FinishResult finish(const FinishOptions& options = {});

  size_t size() const { return size_; }  // uncompressed batch bytes so far, header included
  size_t capacity() const { return capacity_; }
  size_t remaining() const { return capacity_ - size_; }
  int32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  int64_t base_timestamp() const { return base_timestamp_; }
  int64_t max_timestamp() const { return max_timestamp_; }  // base_timestamp() while empty
  // The records section as appended (uncompressed), after the 61-byte header.
  Bytes records() const {
    return size_ >= kRecordBatchHeaderSize ? Bytes{data_ + kRecordBatchHeaderSize, size_ - kRecordBatchHeaderSize}
                                           : Bytes{};
  }

 private:
  // memcpy, with short copies (keys, small values) inline instead of a library call.
  static void copy_bytes(uint8_t* dst, const uint8_t* src, size_t n) {
    if (n > 16) {
      std::memcpy(dst, src, n);
    } else if (n >= 8) {
      uint64_t head, tail;
      std::memcpy(&head, src, 8);
      std::memcpy(&tail, src + n - 8, 8);
      std::memcpy(dst, &head, 8);
      std::memcpy(dst + n - 8, &tail, 8);
    } else if (n >= 4) {
      uint32_t head, tail;
      std::memcpy(&head, src, 4);
      std::memcpy(&tail, src + n - 4, 4);
      std::memcpy(dst, &head, 4);
      std::memcpy(dst + n - 4, &tail, 4);
    } else if (n > 0) {
      dst[0] = src[0];
      dst[n / 2] = src[n / 2];
      dst[n - 1] = src[n - 1];
    }
  }
  // append() with the sizes worked out first: near the end of the buffer, where only the
  // exact size tells whether the record fits.
  bool append_exact(int64_t timestamp, std::optional<Bytes> key, std::optional<Bytes> value);
  // Bytes of an unsigned varint, without a loop: ceil(bit width / 7).
  static size_t varint_length(uint64_t v) { return (size_t(64 - __builtin_clzll(v | 1)) * 9 + 64) / 64; }
  static uint8_t* put_uvarint(uint8_t* p, uint64_t v) {
    if (__builtin_expect(v < 0x80, 1)) {
      *p = uint8_t(v);
      return p + 1;
    }
    if (v < 0x4000) {
      p[0] = uint8_t(v | 0x80);
      p[1] = uint8_t(v >> 7);
      return p + 2;
    }
    while (v >= 0x80) {
      *p++ = uint8_t(v | 0x80);
      v >>= 7;
    }
    *p++ = uint8_t(v);
    return p;
  }
  // Wraps instead of overflowing for absurd timestamps (the broker judges those).
  int64_t timestamp_delta(int64_t timestamp) const { return int64_t(uint64_t(timestamp) - uint64_t(base_timestamp_)); }
  void note_appended(int64_t timestamp) {
    // maxTimestamp is the largest record timestamp (the first record sets it).
    if (count_ == 0 || timestamp > max_timestamp_) max_timestamp_ = timestamp;
    ++count_;
  }
  void patch_header(uint8_t* header, size_t batch_size, int16_t attributes,
                    const FinishOptions& options) const;

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  int32_t count_ = 0;
  int64_t base_timestamp_ = 0;
  int64_t max_timestamp_ = 0;
  uint8_t length_bytes_ = 2;  // the last record's length varint size: where the next body starts
};

// The largest finish() can produce for a batch of `uncompressed_size` bytes (header
// included): the size of compression_buffer to provide for `codec` (nullptr: uncompressed).
size_t max_finished_size(size_t uncompressed_size, const Codec* codec);

// ---- Readers -------------------------------------------------------------------------------

enum class ReadStatus : uint8_t {
  ok,
  truncated,    // the bytes end before the batch does (normal at the end of a Fetch)
  corrupt,      // malformed: bad length, CRC mismatch, records that do not parse...
  unsupported,  // well-formed but not readable here: legacy magic 0/1, no codec for it
};

struct ReadResult {
  ReadStatus status = ReadStatus::ok;
  const char* reason = nullptr;  // static string, set when status != ok
  bool ok() const { return status == ReadStatus::ok; }
};

struct RecordView {
  int64_t offset = 0;     // baseOffset + offsetDelta
  int64_t timestamp = 0;  // baseTimestamp + timestampDelta (maxTimestamp for LogAppendTime)
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  uint32_t header_count = 0;
  Bytes headers_raw;  // the encoded headers, already validated; see RecordHeaderIterator
};

// One batch, validated: framing, magic, batchLength within the bytes, CRC-32C, counts.
// A view: it points into the bytes given to parse().
class RecordBatchView {
 public:
  // Parses the batch at the start of `data` (which may hold more after it). On failure the
  // view stays empty. A batch cut short by the end of `data` reports ReadStatus::truncated.
  // verify_crc=false skips the CRC-32C (a consumer's check.crcs=false); the rest is checked.
  ReadResult parse(Bytes data, bool verify_crc = true);

  Bytes bytes() const { return bytes_; }  // the whole batch, header included
  size_t size() const { return bytes_.size(); }
  Bytes records_data() const;  // after the header: records, or the compressed stream

  int64_t base_offset() const { return base_offset_; }
  int32_t batch_length() const { return batch_length_; }
  int32_t partition_leader_epoch() const { return partition_leader_epoch_; }
  int8_t magic() const { return kRecordBatchMagic; }
  uint32_t crc() const { return crc_; }
  int16_t attributes() const { return attributes_; }
  CompressionType compression() const { return CompressionType(attributes_ & kAttributeCompressionMask); }
  bool is_compressed() const { return (attributes_ & kAttributeCompressionMask) != 0; }
  bool is_log_append_time() const { return (attributes_ & kAttributeLogAppendTime) != 0; }
  bool is_transactional() const { return (attributes_ & kAttributeTransactional) != 0; }
  bool is_control() const { return (attributes_ & kAttributeControl) != 0; }
  int32_t last_offset_delta() const { return last_offset_delta_; }
  int64_t last_offset() const { return base_offset_ + last_offset_delta_; }
  int64_t base_timestamp() const { return base_timestamp_; }
  int64_t max_timestamp() const { return max_timestamp_; }
  int64_t producer_id() const { return producer_id_; }
  int16_t producer_epoch() const { return producer_epoch_; }
  int32_t base_sequence() const { return base_sequence_; }
  int32_t record_count() const { return record_count_; }

 private:
  Bytes bytes_;
  int64_t base_offset_ = 0;
  int32_t batch_length_ = 0;
  int32_t partition_leader_epoch_ = 0;
  uint32_t crc_ = 0;
  int16_t attributes_ = 0;
  int32_t last_offset_delta_ = 0;
  int64_t base_timestamp_ = 0;
  int64_t max_timestamp_ = 0;
  int64_t producer_id_ = 0;
  int16_t producer_epoch_ = 0;
  int32_t base_sequence_ = 0;
  int32_t record_count_ = 0;
};

// Iterates the records of one batch, decompressing them first when the batch is compressed.
//   RecordBatchReader reader;
//   if (auto r = reader.open(batch, codecs, scratch); !r.ok()) ...
//   RecordView rec;
//   while (reader.next(rec)) ...
//   if (!reader.result().ok()) ...   // malformed record, or count mismatch
class RecordBatchReader {
 public:
  // Prepares to read `batch`'s records. Compressed batches are decompressed into `scratch`
  // (reused across calls) through `codecs`, never past `max_decompressed` bytes; without a
  // codec for the type the result is ReadStatus::unsupported.
  ReadResult open(const RecordBatchView& batch, CodecProvider* codecs, std::vector<uint8_t>& scratch,
                  size_t max_decompressed = kDefaultMaxDecompressedSize);
  // Fills `out` with the next record; false at the end or on malformed data (see result()).
  bool next(RecordView& out);
  // ok after the last record when the records matched recordCount and nothing was left over.
  ReadResult result() const { return result_; }
  int32_t records_left() const { return left_; }

 private:
  bool fail(const char* reason);

  Reader records_;
  ReadResult result_{ReadStatus::corrupt, "reader not opened"};
  int64_t base_offset_ = 0;
  int64_t base_timestamp_ = 0;
  int64_t max_timestamp_ = 0;
  bool log_append_time_ = false;
  int32_t left_ = 0;
};

// Iterates the headers of a record returned by RecordBatchReader.
class RecordHeaderIterator {
 public:
  explicit RecordHeaderIterator(const RecordView& record)
      : reader_(record.headers_raw), left_(record.header_count) {}
  bool next(RecordHeader& out);

 private:
  Reader reader_;
  uint32_t left_;
};

// Iterates the consecutive batches of a Fetch response partition's `records`. A final batch
// cut short (brokers send partial batches at the end of a fetch) ends iteration cleanly with
// partial() set; anything malformed ends it with result() telling why.
class RecordBatchIterator {
 public:
  explicit RecordBatchIterator(Bytes records) : data_(records) {}
  // Parses the next complete batch into `batch`; false when there is none.
  bool next(RecordBatchView& batch);
  bool partial() const { return partial_; }
  ReadResult result() const { return result_; }  // ok unless a malformed batch stopped it
  size_t position() const { return pos_; }       // bytes consumed by complete batches

 private:
  Bytes data_;
  size_t pos_ = 0;
  bool partial_ = false;
  ReadResult result_;
};

}  // namespace rawkafka::protocol
