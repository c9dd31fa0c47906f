// Our message codecs against a real Kafka broker (the CTest `kafka` fixture): negotiate
// versions, create a topic, produce one RecordBatch at EVERY Produce version from 3 to the
// negotiated max, and read everything back with kcat (librdkafka, CRCs checked) and with our
// own ListOffsets/Fetch at every version we support. Records kcat produced come back through
// our Fetch too.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "blocking_client.hpp"
#include "integration.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/all.hpp"
#include "rawkafka/protocol/record_batch.hpp"

using namespace rawkafka::protocol;
namespace rt = rawkafka::testing;

namespace {

struct TestRecord {
  std::string key;
  std::string value;
  int64_t timestamp = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  friend bool operator==(const TestRecord&, const TestRecord&) = default;
};

Bytes as_bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
std::string as_string(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::map<ApiKey, int16_t> negotiate_all(rt::BlockingClient& client) {
  ApiVersionsRequest req;
  req.client_software_name = "rawkafka-protocol-test";
  req.client_software_version = "0.1";
  ApiVersionsResponse resp;
  const int16_t v = ApiVersionsRequest::traits.max_version;
  REQUIRE_MESSAGE(client.call(ApiKey::api_versions, v, req, resp), client.error());
  REQUIRE(resp.error_code == 0);
  std::map<ApiKey, int16_t> out;
  for (const ApiTraits& t : all_api_traits()) {
    const auto* broker = resp.find(t.key);
    auto got = negotiate(t, resp.api_keys);
    if (got) out[t.key] = *got;
    MESSAGE(api_name(t.key) << ": broker " << (broker ? broker->min_version : -1) << "-"
                            << (broker ? broker->max_version : -1) << ", ours " << t.min_version << "-"
                            << t.max_version << ", negotiated " << (got ? *got : -1));
  }
  return out;
}

void create_topic(rt::BlockingClient& client, int16_t version, const std::string& topic) {
  CreateTopicsRequest req;
  CreateTopicsRequest::CreatableTopic t;
  t.name = topic;
  t.num_partitions = 1;
  t.replication_factor = 1;
  req.topics.push_back(t);
  req.timeout_ms = 30000;
  CreateTopicsResponse resp;
  REQUIRE_MESSAGE(client.call(ApiKey::create_topics, version, req, resp), client.error());
  REQUIRE(resp.topics.size() == 1);
  INFO(resp.topics[0].error_message.value_or(""));
  CHECK(resp.topics[0].name == topic);
  REQUIRE(resp.topics[0].error_code == 0);
  if (version >= 5) CHECK(resp.topics[0].num_partitions == 1);
}

// Metadata until partition 0 has a leader; returns the topic id (zero before Metadata v10).
Uuid wait_for_leader(rt::BlockingClient& client, int16_t version, const std::string& topic) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    MetadataRequest req;
    req.topics = std::vector<MetadataRequest::Topic>{{Uuid{}, topic}};
    req.allow_auto_topic_creation = false;
    MetadataResponse resp;
    REQUIRE_MESSAGE(client.call(ApiKey::metadata, version, req, resp), client.error());
    REQUIRE(resp.topics.size() == 1);
    const auto& t = resp.topics[0];
    if (t.error_code == 0 && t.partitions.size() == 1 && t.partitions[0].leader_id >= 0) {
      CHECK(t.name == topic);
      CHECK(resp.find_broker(t.partitions[0].leader_id) != nullptr);
      return t.topic_id;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("topic " << topic << " got no leader");
  return {};
}

// Reads every record of partition 0 with Fetch at `version`.
std::vector<TestRecord> fetch_all(rt::BlockingClient& client, int16_t version, const std::string& topic,
                                  const Uuid& topic_id, int64_t expect_high_watermark) {
  FetchRequest req;
  req.max_wait_ms = 200;
  req.min_bytes = 1;
  req.max_bytes = 16 << 20;
  req.isolation_level = 0;
  FetchRequest::FetchTopic t;
  t.topic = topic;
  t.topic_id = topic_id;
  FetchRequest::FetchPartition p;
  p.partition = 0;
  p.fetch_offset = 0;
  p.partition_max_bytes = 8 << 20;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  FetchResponse resp;
  REQUIRE_MESSAGE(client.call(ApiKey::fetch, version, req, resp), client.error());
  CHECK(resp.error_code == 0);
  REQUIRE(resp.responses.size() == 1);
  if (version >= 13) {
    CHECK(resp.responses[0].topic_id == topic_id);
  } else {
    CHECK(resp.responses[0].topic == topic);
  }
  REQUIRE(resp.responses[0].partitions.size() == 1);
  const auto& part = resp.responses[0].partitions[0];
  REQUIRE(part.error_code == 0);
  CHECK(part.high_watermark == expect_high_watermark);
  if (version >= 5) CHECK(part.log_start_offset == 0);
  REQUIRE(part.records.has_value());

  std::vector<TestRecord> out;
  RecordBatchIterator batches(*part.records);
  RecordBatchView batch;
  std::vector<uint8_t> scratch;
  while (batches.next(batch)) {
    RecordBatchReader reader;
    REQUIRE(reader.open(batch, nullptr, scratch).ok());
    RecordView rec;
    while (reader.next(rec)) {
      TestRecord r;
      CHECK(rec.offset == int64_t(out.size()));
      r.key = rec.key ? as_string(*rec.key) : "<null>";
      r.value = rec.value ? as_string(*rec.value) : "<null>";
      r.timestamp = rec.timestamp;
      RecordHeaderIterator headers(rec);
      RecordHeader h;
      while (headers.next(h)) r.headers.emplace_back(std::string(h.key), h.value ? as_string(*h.value) : "");
      out.push_back(std::move(r));
    }
    CHECK(reader.result().ok());
  }
  CHECK(batches.result().ok());
  CHECK_FALSE(batches.partial());
  return out;
}

std::string kcat_line(const TestRecord& r) {
  std::string headers;
  for (const auto& [k, v] : r.headers) {
    if (!headers.empty()) headers += ",";
    headers += k + "=" + v;
  }
  return r.key + "|" + r.value + "|" + std::to_string(r.timestamp) + "|" + headers;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("Produce at every version from 3 to the negotiated max; kcat and our Fetch read it back") {
  rt::BlockingClient client(rt::bootstrap());
  REQUIRE_MESSAGE(client.connected(), client.error());
  auto versions = negotiate_all(client);
  for (ApiKey k : {ApiKey::produce, ApiKey::fetch, ApiKey::list_offsets, ApiKey::metadata,
                   ApiKey::create_topics, ApiKey::init_producer_id}) {
    REQUIRE_MESSAGE(versions.count(k) == 1, api_name(k));
  }
  const int16_t produce_max = versions[ApiKey::produce];
  CHECK(produce_max >= 9);

  const std::string topic = rt::unique_topic("proto-produce");
  create_topic(client, versions[ApiKey::create_topics], topic);
  const Uuid topic_id = wait_for_leader(client, versions[ApiKey::metadata], topic);
  CHECK_FALSE(topic_id.is_zero());

  const int64_t ts0 = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() -
                      60000;
  std::vector<TestRecord> expected;
  std::vector<uint8_t> buffer(64 << 10);
  for (int16_t v = ProduceRequest::traits.min_version; v <= produce_max; ++v) {
    CAPTURE(v);
    std::vector<TestRecord> batch_records;
    for (int i = 0; i < 3; ++i) {
      TestRecord r;
      r.key = "k" + std::to_string(v) + "-" + std::to_string(i);
      r.value = "value of record " + std::to_string(i) + " sent with Produce v" + std::to_string(v);
      r.timestamp = ts0 + v * 10 + i;
      r.headers = {{"version", std::to_string(v)}, {"i", std::to_string(i)}};
      batch_records.push_back(r);
    }
    RecordBatchWriter writer;
    REQUIRE(writer.reset(buffer, batch_records[0].timestamp));
    for (const auto& r : batch_records) {
      std::vector<RecordHeader> headers;
      for (const auto& [k, hv] : r.headers) headers.push_back({k, as_bytes(hv)});
      REQUIRE(writer.append(r.timestamp, as_bytes(r.key), as_bytes(r.value), headers));
    }
    FinishResult batch = writer.finish();
    REQUIRE(batch.ok());

    ProduceRequest req;
    req.acks = -1;
    req.timeout_ms = 10000;
    req.topic_data.push_back({topic, topic_id, {{0, batch.batch}}});
    ProduceResponse resp;
    // Metadata can name the new topic's leader a moment before that broker takes writes for
    // it: it answers NOT_LEADER_OR_FOLLOWER (nothing appended), and a client sends again.
    for (int attempt = 0;; ++attempt) {
      resp = ProduceResponse{};
      REQUIRE_MESSAGE(client.call(ApiKey::produce, v, req, resp), client.error());
      const bool not_ready_yet =
          resp.responses.size() == 1 && resp.responses[0].partition_responses.size() == 1 &&
          resp.responses[0].partition_responses[0].error_code == int16_t(ErrorCode::NOT_LEADER_OR_FOLLOWER);
      if (!not_ready_yet || attempt == 50) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(resp.responses.size() == 1);
    if (v >= 13) {
      CHECK(resp.responses[0].topic_id == topic_id);
    } else {
      CHECK(resp.responses[0].name == topic);
    }
    REQUIRE(resp.responses[0].partition_responses.size() == 1);
    const auto& p = resp.responses[0].partition_responses[0];
    INFO(p.error_message.value_or(""));
    CHECK(p.index == 0);
    REQUIRE(p.error_code == 0);
    CHECK(p.base_offset == int64_t(expected.size()));
    CHECK(p.log_append_time_ms == -1);  // CreateTime topic
    if (v >= 5) CHECK(p.log_start_offset == 0);
    if (v >= 8) CHECK(p.record_errors.empty());
    expected.insert(expected.end(), batch_records.begin(), batch_records.end());
  }
  MESSAGE("produced " << expected.size() << " records with Produce v3..v" << produce_max);

  SUBCASE("kcat reads the same keys, values, timestamps and headers, CRCs checked") {
    auto out = rt::run_command("kcat -b " + rt::shell_quote(rt::bootstrap()) + " -m 30 -C -t " +
                                   rt::shell_quote(topic) +
                                   " -X check.crcs=true -o beginning -e -q -f '%k|%s|%T|%h\\n'",
                               false);
    REQUIRE(out.exit_code == 0);
    std::vector<std::string> want;
    for (const auto& r : expected) want.push_back(kcat_line(r));
    CHECK(split_lines(out.output) == want);
  }

  SUBCASE("ListOffsets at every version finds the earliest and latest offsets") {
    for (int16_t v = ListOffsetsRequest::traits.min_version; v <= versions[ApiKey::list_offsets]; ++v) {
      CAPTURE(v);
      ListOffsetsRequest req;
      req.topics.push_back({topic, {{0, -1, ListOffsetsRequest::earliest_timestamp}}});
      ListOffsetsResponse resp;
      REQUIRE_MESSAGE(client.call(ApiKey::list_offsets, v, req, resp), client.error());
      REQUIRE(resp.topics.size() == 1);
      REQUIRE(resp.topics[0].partitions.size() == 1);
      CHECK(resp.topics[0].partitions[0].error_code == 0);
      CHECK(resp.topics[0].partitions[0].offset == 0);

      req.topics[0].partitions[0].timestamp = ListOffsetsRequest::latest_timestamp;
      REQUIRE_MESSAGE(client.call(ApiKey::list_offsets, v, req, resp), client.error());
      REQUIRE(resp.topics.size() == 1);
      REQUIRE(resp.topics[0].partitions.size() == 1);
      CHECK(resp.topics[0].partitions[0].error_code == 0);
      CHECK(resp.topics[0].partitions[0].offset == int64_t(expected.size()));
    }
  }

  SUBCASE("Fetch at every version returns the records as produced") {
    for (int16_t v = FetchRequest::traits.min_version; v <= versions[ApiKey::fetch]; ++v) {
      CAPTURE(v);
      CHECK(fetch_all(client, v, topic, topic_id, int64_t(expected.size())) == expected);
    }
  }

  SUBCASE("Metadata at every version describes the topic") {
    for (int16_t v = MetadataRequest::traits.min_version; v <= versions[ApiKey::metadata]; ++v) {
      CAPTURE(v);
      MetadataRequest req;
      req.topics = std::vector<MetadataRequest::Topic>{{Uuid{}, topic}};
      req.allow_auto_topic_creation = false;
      MetadataResponse resp;
      REQUIRE_MESSAGE(client.call(ApiKey::metadata, v, req, resp), client.error());
      REQUIRE(resp.topics.size() == 1);
      CHECK(resp.topics[0].error_code == 0);
      CHECK(resp.topics[0].name == topic);
      if (v >= 10) CHECK(resp.topics[0].topic_id == topic_id);
      REQUIRE(resp.topics[0].partitions.size() == 1);
      CHECK(resp.topics[0].partitions[0].replica_nodes.size() == 1);
      CHECK_FALSE(resp.brokers.empty());
      if (v >= 2) CHECK(resp.cluster_id.has_value());
    }
  }
}

TEST_CASE("records kcat produced come back through our Fetch, and InitProducerId answers") {
  rt::BlockingClient client(rt::bootstrap());
  REQUIRE_MESSAGE(client.connected(), client.error());
  auto versions = negotiate_all(client);
  const std::string topic = rt::unique_topic("proto-kcat");
  create_topic(client, versions[ApiKey::create_topics], topic);
  const Uuid topic_id = wait_for_leader(client, versions[ApiKey::metadata], topic);

  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) lines.push_back("kk" + std::to_string(i) + ":vv " + std::string(size_t(i) * 7, 'x'));
  const std::string path = rt::binary_dir() + "/" + topic + ".records";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f);
    for (const auto& l : lines) std::fprintf(f, "%s\n", l.c_str());
    std::fclose(f);
  }
  auto produced = rt::run_command("kcat -b " + rt::shell_quote(rt::bootstrap()) + " -m 30 -P -t " +
                                      rt::shell_quote(topic) + " -K: -H hk=hv -X acks=all -l " +
                                      rt::shell_quote(path),
                                  true);
  std::remove(path.c_str());
  INFO(produced.output);
  REQUIRE(produced.exit_code == 0);

  for (int16_t v : {FetchRequest::traits.min_version, int16_t(12), versions[ApiKey::fetch]}) {
    CAPTURE(v);
    auto got = fetch_all(client, v, topic, topic_id, int64_t(lines.size()));
    REQUIRE(got.size() == lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      CHECK(got[i].key + ":" + got[i].value == lines[i]);
      CHECK(got[i].headers == std::vector<std::pair<std::string, std::string>>{{"hk", "hv"}});
    }
  }

  for (int16_t v = InitProducerIdRequest::traits.min_version; v <= versions[ApiKey::init_producer_id]; ++v) {
    CAPTURE(v);
    InitProducerIdRequest req;
    req.transaction_timeout_ms = 60000;
    InitProducerIdResponse resp;
    // A fresh broker answers COORDINATOR_LOAD_IN_PROGRESS (14) / COORDINATOR_NOT_AVAILABLE (15)
    // until its transaction state topic is ready; both are retriable.
    for (int attempt = 0; attempt < 300; ++attempt) {
      REQUIRE_MESSAGE(client.call(ApiKey::init_producer_id, v, req, resp), client.error());
      if (resp.error_code != 14 && resp.error_code != 15) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(resp.error_code == 0);
    CHECK(resp.producer_id >= 0);
    CHECK(resp.producer_epoch >= 0);
  }
}

TEST_CASE("ApiVersions at every version the codec handles, v5 included when the broker has it") {
  rt::BlockingClient client(rt::bootstrap());
  REQUIRE_MESSAGE(client.connected(), client.error());
  ApiVersionsResponse v0;
  REQUIRE_MESSAGE(client.call(ApiKey::api_versions, 0, ApiVersionsRequest{}, v0), client.error());
  REQUIRE(v0.error_code == 0);
  const auto* own = v0.find(ApiKey::api_versions);
  REQUIRE(own != nullptr);
  // A broker answers a version it does not know with a v0 body, so ask only what it lists.
  const int16_t top = std::min(own->max_version, ApiVersionsRequest::codec_max_version);
  MESSAGE("ApiVersions v1..v" << top);
  for (int16_t v = 1; v <= top; ++v) {
    CAPTURE(v);
    ApiVersionsRequest req;
    req.client_software_name = "rawkafka-protocol-test";
    req.client_software_version = "0.1";
    ApiVersionsResponse resp;
    REQUIRE_MESSAGE(client.call(ApiKey::api_versions, v, req, resp), client.error());
    CHECK(resp.error_code == 0);
    CHECK(resp.api_keys == v0.api_keys);
    if (v >= 3) CHECK_FALSE(resp.supported_features.empty());  // KRaft brokers list features
  }
}

TEST_CASE("SaslHandshake and SaslAuthenticate answers of a PLAINTEXT listener decode at every version") {
  // The test broker has no SASL listener: it answers ILLEGAL_SASL_STATE (34), with a message
  // for SaslAuthenticate. What is checked is that every version's answer decodes completely.
  constexpr int16_t illegal_sasl_state = 34;
  for (int16_t v = SaslHandshakeRequest::traits.min_version; v <= SaslHandshakeRequest::traits.max_version; ++v) {
    CAPTURE(v);
    rt::BlockingClient client(rt::bootstrap());
    REQUIRE_MESSAGE(client.connected(), client.error());
    SaslHandshakeResponse resp;
    REQUIRE_MESSAGE(client.call(ApiKey::sasl_handshake, v, SaslHandshakeRequest{"PLAIN"}, resp), client.error());
    CHECK(resp.error_code == illegal_sasl_state);
  }
  for (int16_t v = SaslAuthenticateRequest::traits.min_version; v <= SaslAuthenticateRequest::traits.max_version;
       ++v) {
    CAPTURE(v);
    rt::BlockingClient client(rt::bootstrap());
    REQUIRE_MESSAGE(client.connected(), client.error());
    SaslAuthenticateRequest req;
    req.auth_bytes = {0, 'u', 0, 'p'};
    SaslAuthenticateResponse resp;
    REQUIRE_MESSAGE(client.call(ApiKey::sasl_authenticate, v, req, resp), client.error());
    CHECK(resp.error_code == illegal_sasl_state);
    CHECK(resp.error_message.has_value());
  }
}
