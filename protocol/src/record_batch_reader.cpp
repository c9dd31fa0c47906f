#include <algorithm>

#include "rawkafka/protocol/crc32c.hpp"
#include "rawkafka/protocol/record_batch.hpp"

namespace rawkafka::protocol {

using detail::load_be16;
using detail::load_be32;
using detail::load_be64;

namespace {

// The smallest record: length, attributes, timestampDelta, offsetDelta, key -1, value -1,
// headerCount, one byte each.
constexpr size_t kMinRecordSize = 7;
constexpr int32_t kMinRecordBodySize = 6;
// The smallest header: key length 0, value length -1.
constexpr size_t kMinHeaderSize = 2;

constexpr ReadResult truncated(const char* reason) { return {ReadStatus::truncated, reason}; }
constexpr ReadResult corrupt(const char* reason) { return {ReadStatus::corrupt, reason}; }
constexpr ReadResult unsupported(const char* reason) { return {ReadStatus::unsupported, reason}; }

// Offsets and timestamps from the wire may be anything: add without signed overflow.
inline int64_t wrapping_add(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }

}  // namespace

ReadResult RecordBatchView::parse(Bytes data, bool verify_crc) {
  *this = RecordBatchView{};
  if (data.size() < kBatchLogOverhead) return truncated("batch header truncated");
  const uint8_t* p = data.data();
  const int32_t batch_length = int32_t(load_be32(p + kBatchLengthOffset));
  // magic sits at byte 16 in every message format, so legacy message sets are recognised too.
  if (data.size() > kMagicOffset) {
    const int8_t magic = int8_t(p[kMagicOffset]);
    if (magic == 0 || magic == 1) return unsupported("unsupported magic (legacy message set v0/v1)");
    if (magic != kRecordBatchMagic) return corrupt("unknown magic byte");
  }
  if (batch_length < int32_t(kRecordBatchHeaderSize - kBatchLogOverhead)) {
    return corrupt("batchLength smaller than the batch header");
  }
  const size_t total = kBatchLogOverhead + size_t(batch_length);
  if (total > data.size()) return truncated("batch truncated");

  const uint32_t stored_crc = load_be32(p + kCrcOffset);
  if (verify_crc && crc32c(p + kAttributesOffset, total - kAttributesOffset) != stored_crc) {
    return corrupt("CRC-32C mismatch");
  }

  const int16_t attributes = int16_t(load_be16(p + kAttributesOffset));
  const int32_t record_count = int32_t(load_be32(p + kRecordCountOffset));
  if (record_count < 0) return corrupt("negative recordCount");
  if ((attributes & kAttributeCompressionMask) > int16_t(CompressionType::zstd)) {
    return corrupt("unknown compression type in attributes");
  }
  if ((attributes & kAttributeCompressionMask) == 0 &&
      size_t(record_count) > (total - kRecordBatchHeaderSize) / kMinRecordSize) {
    return corrupt("recordCount larger than the batch can hold");
  }

  bytes_ = Bytes{p, total};
  base_offset_ = int64_t(load_be64(p + kBaseOffsetOffset));
  batch_length_ = batch_length;
  partition_leader_epoch_ = int32_t(load_be32(p + kPartitionLeaderEpochOffset));
  crc_ = stored_crc;
  attributes_ = attributes;
  last_offset_delta_ = int32_t(load_be32(p + kLastOffsetDeltaOffset));
  base_timestamp_ = int64_t(load_be64(p + kBaseTimestampOffset));
  max_timestamp_ = int64_t(load_be64(p + kMaxTimestampOffset));
  producer_id_ = int64_t(load_be64(p + kProducerIdOffset));
  producer_epoch_ = int16_t(load_be16(p + kProducerEpochOffset));
  base_sequence_ = int32_t(load_be32(p + kBaseSequenceOffset));
  record_count_ = record_count;
  return {};
}

Bytes RecordBatchView::records_data() const {
  if (bytes_.size() < kRecordBatchHeaderSize) return {};
  return bytes_.subspan(kRecordBatchHeaderSize);
}

ReadResult RecordBatchReader::open(const RecordBatchView& batch, CodecProvider* codecs,
                                   std::vector<uint8_t>& scratch, size_t max_decompressed) {
  records_ = Reader{};
  left_ = 0;
  if (batch.size() < kRecordBatchHeaderSize) return result_ = corrupt("batch not parsed");
  base_offset_ = batch.base_offset();
  base_timestamp_ = batch.base_timestamp();
  max_timestamp_ = batch.max_timestamp();
  log_append_time_ = batch.is_log_append_time();

  Bytes records = batch.records_data();
  if (batch.is_compressed()) {
    if (!codecs) return result_ = unsupported("compressed batch and no codecs to read it");
    Codec* codec = codecs->codec(batch.compression());
    if (!codec) return result_ = unsupported("no codec for the batch's compression type");
    CodecResult r = codec->decompress(records, scratch, max_decompressed);
    switch (r.status) {
      case CodecStatus::ok: break;
      case CodecStatus::limit_exceeded: return result_ = corrupt("decompressed records exceed the size limit");
      case CodecStatus::unsupported: return result_ = unsupported("codec cannot read this stream");
      default: return result_ = corrupt("decompression failed");
    }
    records = Bytes{scratch.data(), std::min(r.size, scratch.size())};
    if (size_t(batch.record_count()) > records.size() / kMinRecordSize) {
      return result_ = corrupt("recordCount larger than the decompressed records can hold");
    }
  }
  records_ = Reader(records);
  left_ = batch.record_count();
  return result_ = ReadResult{};
}

bool RecordBatchReader::fail(const char* reason) {
  result_ = corrupt(reason);
  left_ = 0;
  records_.fail();
  return false;
}

namespace {

// One unsigned varint of at most `max_bytes` from [p, end): the position after it, or nullptr
// when it runs past `end` or is longer. Most record fields fit in one byte: that case first.
inline const uint8_t* read_uvarint(const uint8_t* p, const uint8_t* end, uint64_t& out, int max_bytes) {
  if (p < end && *p < 0x80) [[likely]] {
    out = *p;
    return p + 1;
  }
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (p >= end) return nullptr;
    const uint8_t b = *p++;
    v |= uint64_t(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      out = v;
      return p;
    }
  }
  return nullptr;
}

// A zigzag varint that must fit 32 bits (lengths, counts, offset deltas).
inline const uint8_t* read_varint32(const uint8_t* p, const uint8_t* end, int32_t& out) {
  uint64_t v = 0;
  p = read_uvarint(p, end, v, 5);
  if (!p || v > 0xffffffffu) return nullptr;
  out = detail::unzigzag32(uint32_t(v));
  return p;
}

}  // namespace

// The record fields are read through raw pointers bounded by the record's end: the hot loop of
// every consumer. Every length is checked against what is left before it is used.
bool RecordBatchReader::next(RecordView& out) {
  if (!result_.ok()) return false;
  if (left_ == 0) {
    if (!records_.empty()) return fail("bytes left after recordCount records");
    return false;
  }
  const uint8_t* p = records_.current();
  const uint8_t* const all_end = p + records_.remaining();
  int32_t length = 0;
  p = read_varint32(p, all_end, length);
  if (!p) return fail("fewer records than recordCount");
  if (length < kMinRecordBodySize) return fail("record length too small");
  if (size_t(length) > size_t(all_end - p)) return fail("record length past the end of the records");
  const uint8_t* const end = p + length;
  constexpr const char* kPastRecord = "record fields run past the record length";

  ++p;  // record attributes: unused (length >= kMinRecordBodySize, so the byte is there)
  uint64_t zz_timestamp = 0;
  p = read_uvarint(p, end, zz_timestamp, 10);
  if (!p) return fail(kPastRecord);
  int32_t offset_delta = 0;
  if (!(p = read_varint32(p, end, offset_delta))) return fail(kPastRecord);
  int32_t key_length = 0;
  if (!(p = read_varint32(p, end, key_length))) return fail(kPastRecord);
  if (key_length < -1) return fail("negative record key length");
  std::optional<Bytes> key;
  if (key_length >= 0) {
    if (size_t(key_length) > size_t(end - p)) return fail(kPastRecord);
    key = Bytes{p, size_t(key_length)};
    p += key_length;
  }
  int32_t value_length = 0;
  if (!(p = read_varint32(p, end, value_length))) return fail(kPastRecord);
  if (value_length < -1) return fail("negative record value length");
  std::optional<Bytes> value;
  if (value_length >= 0) {
    if (size_t(value_length) > size_t(end - p)) return fail(kPastRecord);
    value = Bytes{p, size_t(value_length)};
    p += value_length;
  }
  int32_t header_count = 0;
  if (!(p = read_varint32(p, end, header_count))) return fail(kPastRecord);
  if (header_count < 0) return fail("negative record header count");
  if (size_t(header_count) > size_t(end - p) / kMinHeaderSize) return fail("record header count too large");

  const uint8_t* const headers_begin = p;
  for (int32_t i = 0; i < header_count; ++i) {
    int32_t hk = 0;
    if (!(p = read_varint32(p, end, hk))) return fail("record headers run past the record length");
    if (hk < 0) return fail("record header key length invalid");
    if (size_t(hk) > size_t(end - p)) return fail("record headers run past the record length");
    p += hk;
    int32_t hv = 0;
    if (!(p = read_varint32(p, end, hv))) return fail("record headers run past the record length");
    if (hv < -1) return fail("negative record header value length");
    if (hv > 0) {
      if (size_t(hv) > size_t(end - p)) return fail("record headers run past the record length");
      p += hv;
    }
  }
  if (p != end) return fail("record has bytes after its headers");

  out.offset = wrapping_add(base_offset_, offset_delta);
  out.timestamp = log_append_time_ ? max_timestamp_
                                   : wrapping_add(base_timestamp_, detail::unzigzag64(zz_timestamp));
  out.key = key;
  out.value = value;
  out.header_count = uint32_t(header_count);
  out.headers_raw = Bytes{headers_begin, size_t(end - headers_begin)};
  records_.skip(size_t(end - records_.current()));
  --left_;
  return true;
}

bool RecordHeaderIterator::next(RecordHeader& out) {
  if (left_ == 0 || !reader_.ok()) return false;
  const int32_t key_length = reader_.varint();
  if (key_length < 0) {
    reader_.fail();
    return false;
  }
  Bytes key = reader_.raw(size_t(key_length));
  const int32_t value_length = reader_.varint();
  std::optional<Bytes> value;
  if (value_length < -1) reader_.fail();
  if (value_length >= 0) value = reader_.raw(size_t(value_length));
  if (!reader_.ok()) return false;
  out.key = std::string_view(reinterpret_cast<const char*>(key.data()), key.size());
  out.value = value;
  --left_;
  return true;
}

bool RecordBatchIterator::next(RecordBatchView& batch) {
  if (!result_.ok() || partial_ || pos_ >= data_.size()) return false;
  ReadResult r = batch.parse(data_.subspan(pos_));
  if (r.ok()) {
    pos_ += batch.size();
    return true;
  }
  if (r.status == ReadStatus::truncated) {
    partial_ = true;
  } else {
    result_ = r;
  }
  return false;
}

}  // namespace rawkafka::protocol
