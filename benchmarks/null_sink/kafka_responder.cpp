#include "null_sink/kafka_responder.hpp"

#include <utility>

#include "rawkafka/protocol/crc32c.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/api_versions.hpp"
#include "rawkafka/protocol/messages/create_topics.hpp"
#include "rawkafka/protocol/messages/fetch.hpp"
#include "rawkafka/protocol/messages/init_producer_id.hpp"
#include "rawkafka/protocol/messages/metadata.hpp"
#include "rawkafka/protocol/record_batch.hpp"

namespace rawkafka::bench {

namespace {

using namespace rawkafka::protocol;

constexpr int64_t kProducerId = 4242;

// The APIs the sink answers, at the versions our codecs speak.
constexpr ApiTraits kSpoken[] = {ProduceRequest::traits, MetadataRequest::traits,
                                 ApiVersionsRequest::traits, CreateTopicsRequest::traits,
                                 InitProducerIdRequest::traits};

// Advertised, never answered: librdkafka enables MessageSet v2 (and zstd) only when the broker
// lists Fetch v4 (v10) next to Produce v3 (v7); a Fetch request closes the connection.
constexpr ApiTraits kAdvertisedOnly[] = {FetchRequest::traits};

bool speaks(const RequestHeader& h) {
  for (const ApiTraits& t : kSpoken)
    if (t.key == h.api_key) return t.supports(h.api_version);
  return false;
}

int16_t code(ErrorCode e) { return int16_t(e); }

// A stable, non-zero topic id derived from the name (FNV-1a), for Metadata v10+.
Uuid topic_id_for(std::string_view name) {
  Uuid id;
  uint64_t h = 0xcbf29ce484222325ull;
  for (int half = 0; half < 2; ++half) {
    for (char c : name) h = (h ^ uint8_t(c)) * 0x100000001b3ull;
    h = (h ^ uint64_t(half + 1)) * 0x100000001b3ull;
    for (int i = 0; i < 8; ++i) id.bytes[size_t(half * 8 + i)] = uint8_t(h >> (8 * i));
  }
  id.bytes[0] |= 1;
  return id;
}

struct BatchCount {
  uint64_t batches = 0;
  uint64_t records = 0;
  uint64_t bad = 0;
};

// Walks the RecordBatch headers of one partition's Records field. Only the headers are read
// (plus the CRC'd bytes when asked to verify); nothing is decompressed.
BatchCount count_batches(Bytes records, bool verify_crc) {
  BatchCount c;
  size_t pos = 0;
  while (pos < records.size()) {
    size_t left = records.size() - pos;
    const uint8_t* p = records.data() + pos;
    if (left < kRecordBatchHeaderSize) {
      ++c.bad;
      break;
    }
    int32_t batch_length = int32_t(detail::load_be32(p + kBatchLengthOffset));
    size_t total = kBatchLogOverhead + size_t(batch_length < 0 ? 0 : batch_length);
    if (total < kRecordBatchHeaderSize || total > left || int8_t(p[kMagicOffset]) != kRecordBatchMagic) {
      ++c.bad;
      break;
    }
    if (verify_crc &&
        crc32c(p + kAttributesOffset, total - kAttributesOffset) != detail::load_be32(p + kCrcOffset))
      ++c.bad;
    ++c.batches;
    c.records += detail::load_be32(p + kRecordCountOffset);
    pos += total;
  }
  return c;
}

}  // namespace

bool KafkaResponder::fail(std::string why) {
  error_ = std::move(why);
  return false;
}

bool KafkaResponder::handle(Bytes frame, Writer& out) {
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  stats_.frame_bytes.fetch_add(frame.size() + 4, std::memory_order_relaxed);
  Reader r(frame);
  RequestHeader h;
  if (!read_request_header(r, h))
    return fail("unreadable request header (API key " +
                std::to_string(frame.size() >= 2 ? int(detail::load_be16(frame.data())) : -1) + ")");
  if (h.api_key == ApiKey::api_versions) {
    api_versions(h, out);
    return true;
  }
  if (!speaks(h))
    return fail(std::string(api_name(h.api_key)) + " v" + std::to_string(h.api_version) +
                " is not spoken here");
  switch (h.api_key) {
    case ApiKey::produce: return produce(h, r, out);
    case ApiKey::metadata: return metadata(h, r, out);
    case ApiKey::init_producer_id: return init_producer_id(h, out);
    case ApiKey::create_topics: return create_topics(h, r, out);
    default: return fail(std::string(api_name(h.api_key)) + " is not spoken here");
  }
}

// A version above ours gets a v0 answer with UNSUPPORTED_VERSION and our ranges, as a broker does.
void KafkaResponder::api_versions(const RequestHeader& h, Writer& out) {
  ApiVersionsResponse resp;
  int16_t version = h.api_version;
  if (!ApiVersionsRequest::traits.supports(version)) {
    version = 0;
    resp.error_code = code(ErrorCode::UNSUPPORTED_VERSION);
  }
  for (const ApiTraits& t : kSpoken) resp.api_keys.push_back({t.key, t.min_version, t.max_version});
  for (const ApiTraits& t : kAdvertisedOnly) resp.api_keys.push_back({t.key, t.min_version, t.max_version});
  size_t at = begin_response(out, ApiKey::api_versions, version, h.correlation_id);
  resp.encode(out, version);
  end_frame(out, at);
}

bool KafkaResponder::metadata(const RequestHeader& h, Reader& r, Writer& out) {
  MetadataRequest req;
  if (!req.decode(r, h.api_version) || !r.ok()) return fail("unreadable Metadata request");
  MetadataResponse resp;
  resp.brokers.push_back({config_.node_id, config_.host, config_.port, std::nullopt});
  resp.cluster_id = "null-sink";
  resp.controller_id = config_.node_id;
  for (const MetadataRequest::Topic& t : req.topics.value_or(std::vector<MetadataRequest::Topic>{})) {
    if (!t.name) continue;
    MetadataResponse::Topic topic;
    topic.name = *t.name;
    topic.topic_id = topic_id_for(*t.name);
    for (int32_t p = 0; p < config_.partitions; ++p) {
      MetadataResponse::Partition part;
      part.partition_index = p;
      part.leader_id = config_.node_id;
      part.leader_epoch = 0;
      part.replica_nodes = {config_.node_id};
      part.isr_nodes = {config_.node_id};
      topic.partitions.push_back(std::move(part));
    }
    resp.topics.push_back(std::move(topic));
  }
  size_t at = begin_response(out, ApiKey::metadata, h.api_version, h.correlation_id);
  resp.encode(out, h.api_version);
  end_frame(out, at);
  return true;
}

bool KafkaResponder::init_producer_id(const RequestHeader& h, Writer& out) {
  InitProducerIdResponse resp;
  resp.producer_id = kProducerId;
  resp.producer_epoch = 0;
  size_t at = begin_response(out, ApiKey::init_producer_id, h.api_version, h.correlation_id);
  resp.encode(out, h.api_version);
  end_frame(out, at);
  return true;
}

bool KafkaResponder::create_topics(const RequestHeader& h, Reader& r, Writer& out) {
  CreateTopicsRequest req;
  if (!req.decode(r, h.api_version) || !r.ok()) return fail("unreadable CreateTopics request");
  CreateTopicsResponse resp;
  for (const auto& t : req.topics) {
    CreateTopicsResponse::CreatableTopicResult result;
    result.name = t.name;
    result.topic_id = topic_id_for(t.name);
    result.num_partitions = config_.partitions;
    result.replication_factor = 1;
    resp.topics.push_back(std::move(result));
  }
  size_t at = begin_response(out, ApiKey::create_topics, h.api_version, h.correlation_id);
  resp.encode(out, h.api_version);
  end_frame(out, at);
  return true;
}

bool KafkaResponder::produce(const RequestHeader& h, Reader& r, Writer& out) {
  if (!request_.decode(r, h.api_version) || !r.ok()) return fail("unreadable Produce request");
  BatchCount total;
  uint64_t bytes = 0;
  response_.responses.resize(request_.topic_data.size());
  for (size_t i = 0; i < request_.topic_data.size(); ++i) {
    const ProduceRequest::TopicData& topic = request_.topic_data[i];
    ProduceResponse::TopicResponse& answer = response_.responses[i];
    answer.name = topic.name;
    answer.topic_id = topic.topic_id;
    answer.partition_responses.resize(topic.partition_data.size());
    for (size_t j = 0; j < topic.partition_data.size(); ++j) {
      const ProduceRequest::PartitionData& part = topic.partition_data[j];
      ProduceResponse::PartitionResponse& pr = answer.partition_responses[j];
      pr = {};
      pr.index = part.index;
      BatchCount c = part.records ? count_batches(*part.records, config_.verify_crc) : BatchCount{};
      bytes += part.records ? part.records->size() : 0;
      total.batches += c.batches;
      total.records += c.records;
      total.bad += c.bad;
      if (!offsets_.contains(part.index)) {
        pr.error_code = code(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      } else if (c.bad) {
        pr.error_code = code(ErrorCode::CORRUPT_MESSAGE);
      } else {
        pr.base_offset = offsets_.advance(part.index, int64_t(c.records));
        pr.log_start_offset = 0;
      }
    }
  }
  stats_.on_produce(total.batches, total.records, bytes, total.bad);
  if (request_.acks == 0) return true;  // acks=0: the producer expects no answer
  size_t at = begin_response(out, ApiKey::produce, h.api_version, h.correlation_id);
  response_.encode(out, h.api_version);
  end_frame(out, at);
  return true;
}

}  // namespace rawkafka::bench
