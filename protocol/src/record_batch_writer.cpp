#include <cstring>

#include "rawkafka/protocol/crc32c.hpp"
#include "rawkafka/protocol/record_batch.hpp"

namespace rawkafka::protocol {

using detail::store_be16;
using detail::store_be32;
using detail::store_be64;

bool RecordBatchWriter::reset(std::span<uint8_t> buffer, int64_t base_timestamp) {
  base_timestamp_ = base_timestamp;
  max_timestamp_ = base_timestamp;
  count_ = 0;
  if (buffer.size() < kRecordBatchHeaderSize) {
    data_ = nullptr;
    size_ = capacity_ = 0;
    return false;
  }
  data_ = buffer.data();
  capacity_ = buffer.size();
  size_ = kRecordBatchHeaderSize;
  // Placeholders; finish() rewrites every field, so the header never depends on history.
  std::memset(data_, 0, kRecordBatchHeaderSize);
  data_[kMagicOffset] = uint8_t(kRecordBatchMagic);
  return true;
}

bool RecordBatchWriter::append_exact(int64_t timestamp, std::optional<Bytes> key, std::optional<Bytes> value) {
  const uint64_t zz_ts = detail::zigzag64(timestamp_delta(timestamp));
  const uint32_t zz_offset = uint32_t(count_) << 1;
  const size_t key_size = key ? key->size() : 0;
  const uint32_t zz_key = key ? uint32_t(key_size) << 1 : 1;  // zigzag(-1): null
  const size_t value_size = value ? value->size() : 0;
  const uint32_t zz_value = value ? uint32_t(value_size) << 1 : 1;
  // attributes + headerCount (both one byte) + the varints + the payloads.
  const size_t body = 2 + varint_length(zz_ts) + varint_length(zz_offset) + varint_length(zz_key) + key_size +
                      varint_length(zz_value) + value_size;
  const uint32_t zz_body = uint32_t(body) << 1;
  const size_t total = varint_length(zz_body) + body;
  if (total > capacity_ - size_) return false;

  uint8_t* p = data_ + size_;
  p = put_uvarint(p, zz_body);
  *p++ = 0;  // record attributes (unused)
  p = put_uvarint(p, zz_ts);
  p = put_uvarint(p, zz_offset);
  p = put_uvarint(p, zz_key);
  if (key_size) std::memcpy(p, key->data(), key_size);
  p += key_size;
  p = put_uvarint(p, zz_value);
  if (value_size) std::memcpy(p, value->data(), value_size);
  p += value_size;
  *p = 0;  // no headers
  size_ += total;
  note_appended(timestamp);
  return true;
}

bool RecordBatchWriter::append(int64_t timestamp, std::optional<Bytes> key, std::optional<Bytes> value,
                               std::span<const RecordHeader> headers) {
  if (headers.empty()) return append(timestamp, key, value);
  const int64_t ts_delta = timestamp_delta(timestamp);
  const size_t body_size = record_body_size(ts_delta, count_, key, value, headers);
  const size_t total = varint_size(int32_t(body_size)) + body_size;
  if (total > capacity_ - size_) return false;

  uint8_t* p = data_ + size_;
  p = put_uvarint(p, detail::zigzag32(int32_t(body_size)));
  *p++ = 0;  // record attributes (unused)
  p = put_uvarint(p, detail::zigzag64(ts_delta));
  p = put_uvarint(p, detail::zigzag32(count_));
  auto put_nullable = [&p](std::optional<Bytes> b) {
    if (!b) {
      *p++ = 1;  // zigzag(-1)
      return;
    }
    p = put_uvarint(p, detail::zigzag32(int32_t(b->size())));
    if (!b->empty()) std::memcpy(p, b->data(), b->size());
    p += b->size();
  };
  put_nullable(key);
  put_nullable(value);
  p = put_uvarint(p, detail::zigzag32(int32_t(headers.size())));
  for (const RecordHeader& h : headers) {
    p = put_uvarint(p, detail::zigzag32(int32_t(h.key.size())));
    if (!h.key.empty()) std::memcpy(p, h.key.data(), h.key.size());
    p += h.key.size();
    put_nullable(h.value);
  }
  size_ += total;
  note_appended(timestamp);
  return true;
}

void RecordBatchWriter::patch_header(uint8_t* h, size_t batch_size, int16_t attributes,
                                     const FinishOptions& options) const {
  store_be64(h + kBaseOffsetOffset, 0);
  store_be32(h + kBatchLengthOffset, uint32_t(batch_size - kBatchLogOverhead));
  store_be32(h + kPartitionLeaderEpochOffset, uint32_t(options.partition_leader_epoch));
  h[kMagicOffset] = uint8_t(kRecordBatchMagic);
  store_be16(h + kAttributesOffset, uint16_t(attributes));
  store_be32(h + kLastOffsetDeltaOffset, uint32_t(count_ - 1));
  store_be64(h + kBaseTimestampOffset, uint64_t(base_timestamp_));
  store_be64(h + kMaxTimestampOffset, uint64_t(max_timestamp_));
  store_be64(h + kProducerIdOffset, uint64_t(options.producer_id));
  store_be16(h + kProducerEpochOffset, uint16_t(options.producer_epoch));
  store_be32(h + kBaseSequenceOffset, uint32_t(options.base_sequence));
  store_be32(h + kRecordCountOffset, uint32_t(count_));
  // CRC-32C of attributes..end, last.
  store_be32(h + kCrcOffset, crc32c(h + kAttributesOffset, batch_size - kAttributesOffset));
}

FinishResult RecordBatchWriter::finish(const FinishOptions& options) {
  if (!data_) return {{}, "record batch buffer smaller than the batch header"};
  if (count_ == 0) return {{}, "record batch has no records"};
  int16_t attributes = options.transactional ? kAttributeTransactional : 0;
  Codec* codec = options.codec;
  if (!codec || codec->type() == CompressionType::none) {
    patch_header(data_, size_, attributes, options);
    return {Bytes{data_, size_}, nullptr};
  }

  std::span<uint8_t> out = options.compression_buffer;
  if (out.size() < kRecordBatchHeaderSize) return {{}, "compression buffer too small"};
  const uint8_t* in_begin = data_;
  const uint8_t* in_end = data_ + size_;
  const uint8_t* out_begin = out.data();
  const uint8_t* out_end = out.data() + out.size();
  if (out_begin < in_end && in_begin < out_end) return {{}, "compression buffer overlaps the batch buffer"};

  std::memcpy(out.data(), data_, kRecordBatchHeaderSize);
  CodecResult r = codec->compress(records(), out.subspan(kRecordBatchHeaderSize));
  if (!r.ok()) {
    return {{}, r.status == CodecStatus::output_too_small ? "compression buffer too small" : "compression failed"};
  }
  if (r.size > out.size() - kRecordBatchHeaderSize) return {{}, "codec reported more bytes than it was given"};
  attributes = int16_t(attributes | (int16_t(codec->type()) & kAttributeCompressionMask));
  const size_t batch_size = kRecordBatchHeaderSize + r.size;
  patch_header(out.data(), batch_size, attributes, options);
  return {Bytes{out.data(), batch_size}, nullptr};
}

size_t max_finished_size(size_t uncompressed_size, const Codec* codec) {
  if (!codec || codec->type() == CompressionType::none) return uncompressed_size;
  const size_t records = uncompressed_size > kRecordBatchHeaderSize ? uncompressed_size - kRecordBatchHeaderSize : 0;
  return kRecordBatchHeaderSize + codec->max_compressed_size(records);
}

}  // namespace rawkafka::protocol
