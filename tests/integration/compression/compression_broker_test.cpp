// Our codecs against things we did not write, on a real broker (the CTest `kafka` fixture):
//  - a RecordBatch compressed by each codec (several levels) is accepted by the broker, and
//    kcat (librdkafka, CRCs checked) and the Java ConsoleConsumer read every record back;
//  - batches that kcat and the Java ConsoleProducer compressed with each codec are read by our
//    RecordBatchReader through CodecSet (the Java client's snappy is xerial-framed).
// The client side is a plain blocking socket speaking our protocol codecs.

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "blocking_client.hpp"
#include "integration.hpp"
#include "rawkafka/compression/codecs.hpp"
#include "rawkafka/protocol/messages/all.hpp"
#include "rawkafka/protocol/record_batch.hpp"

using namespace rawkafka::protocol;
namespace rc = rawkafka::compression;
namespace rt = rawkafka::testing;

namespace {

const CompressionType kCodecs[] = {CompressionType::none, CompressionType::gzip,
                                   CompressionType::snappy, CompressionType::lz4,
                                   CompressionType::zstd};

Bytes as_bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
std::string as_string(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
std::string name_of(CompressionType t) { return std::string(to_string(t)); }

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "key|value" lines: the seed workload's JSON log records, keyed.
std::vector<std::string> log_lines(size_t count, const std::string& tag) {
  static const char* const kLevels[] = {"INFO", "WARNING", "ERROR", "DEBUG"};
  std::vector<std::string> lines;
  char buf[256];
  for (size_t i = 0; i < count; ++i) {
    std::snprintf(buf, sizeof buf,
                  "{\"Timestamp\": \"2025-04-20T16:%02zu:%02zu.%06zu\", \"Level\": \"%s\", "
                  "\"Message\": \"Test log message %zu %s\", \"ResourceID\": \"resource-%zu\"}",
                  i / 60 % 60, i % 60, i * 7919 % 1000000, kLevels[i % 4], i, tag.c_str(), i % 10);
    lines.push_back("key-" + std::to_string(i) + "|" + buf);
  }
  return lines;
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

struct Broker {
  rt::BlockingClient client{rt::bootstrap()};
  std::map<ApiKey, int16_t> versions;

  Broker() {
    REQUIRE_MESSAGE(client.connected(), client.error());
    ApiVersionsRequest req;
    req.client_software_name = "rawkafka-compression-test";
    req.client_software_version = "0.1";
    ApiVersionsResponse resp;
    REQUIRE_MESSAGE(client.call(ApiKey::api_versions, ApiVersionsRequest::traits.max_version, req, resp),
                    client.error());
    REQUIRE(resp.error_code == 0);
    for (const ApiTraits& t : all_api_traits()) {
      if (auto v = negotiate(t, resp.api_keys)) versions[t.key] = *v;
    }
    for (ApiKey k : {ApiKey::produce, ApiKey::fetch, ApiKey::metadata, ApiKey::create_topics}) {
      REQUIRE_MESSAGE(versions.count(k) == 1, api_name(k));
    }
    REQUIRE(versions[ApiKey::produce] >= 7);  // zstd needs Produce v7+
  }

  // Creates a one-partition topic and waits for its leader; returns the topic id.
  Uuid create_topic(const std::string& topic) {
    CreateTopicsRequest req;
    CreateTopicsRequest::CreatableTopic t;
    t.name = topic;
    t.num_partitions = 1;
    t.replication_factor = 1;
    req.topics.push_back(t);
    req.timeout_ms = 30000;
    CreateTopicsResponse resp;
    REQUIRE_MESSAGE(client.call(ApiKey::create_topics, versions[ApiKey::create_topics], req, resp),
                    client.error());
    REQUIRE(resp.topics.size() == 1);
    INFO(resp.topics[0].error_message.value_or(""));
    REQUIRE(resp.topics[0].error_code == 0);
    for (int attempt = 0; attempt < 100; ++attempt) {
      MetadataRequest mreq;
      mreq.topics = std::vector<MetadataRequest::Topic>{{Uuid{}, topic}};
      mreq.allow_auto_topic_creation = false;
      MetadataResponse mresp;
      REQUIRE_MESSAGE(client.call(ApiKey::metadata, versions[ApiKey::metadata], mreq, mresp),
                      client.error());
      REQUIRE(mresp.topics.size() == 1);
      const auto& mt = mresp.topics[0];
      if (mt.error_code == 0 && mt.partitions.size() == 1 && mt.partitions[0].leader_id >= 0) {
        return mt.topic_id;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("topic " << topic << " got no leader");
    return {};
  }

  // Produces one batch to partition 0; returns the partition's error code.
  int16_t produce(const std::string& topic, const Uuid& topic_id, Bytes batch, int16_t version,
                  std::string& error_message) {
    ProduceRequest req;
    req.acks = -1;
    req.timeout_ms = 30000;
    req.topic_data.push_back({topic, topic_id, {{0, batch}}});
    ProduceResponse resp;
    REQUIRE_MESSAGE(client.call(ApiKey::produce, version, req, resp), client.error());
    REQUIRE(resp.responses.size() == 1);
    REQUIRE(resp.responses[0].partition_responses.size() == 1);
    const auto& p = resp.responses[0].partition_responses[0];
    error_message = p.error_message.value_or("");
    return p.error_code;
  }

  // Reads partition 0 from offset 0 until `want` records arrived (or the tries run out),
  // decompressing through `codecs`. Records "key|value"; batch compression types into `types`.
  std::vector<std::string> fetch(const std::string& topic, const Uuid& topic_id, size_t want,
                                 rc::CodecSet& codecs, std::vector<CompressionType>& types) {
    std::vector<std::string> out;
    std::vector<uint8_t> scratch;
    int64_t next_offset = 0;
    for (int attempt = 0; attempt < 50 && out.size() < want; ++attempt) {
      FetchRequest req;
      req.max_wait_ms = 500;
      req.min_bytes = 1;
      req.max_bytes = 32 << 20;
      FetchRequest::FetchTopic t;
      t.topic = topic;
      t.topic_id = topic_id;
      FetchRequest::FetchPartition p;
      p.partition = 0;
      p.fetch_offset = next_offset;
      p.partition_max_bytes = 16 << 20;
      t.partitions.push_back(p);
      req.topics.push_back(t);
      FetchResponse resp;
      REQUIRE_MESSAGE(client.call(ApiKey::fetch, versions[ApiKey::fetch], req, resp), client.error());
      REQUIRE(resp.responses.size() == 1);
      REQUIRE(resp.responses[0].partitions.size() == 1);
      const auto& part = resp.responses[0].partitions[0];
      REQUIRE(part.error_code == 0);
      if (!part.records) continue;
      RecordBatchIterator batches(*part.records);
      RecordBatchView batch;
      while (batches.next(batch)) {
        types.push_back(batch.compression());
        RecordBatchReader reader;
        ReadResult opened = reader.open(batch, &codecs, scratch);
        INFO((opened.reason ? opened.reason : ""));
        REQUIRE(opened.ok());
        RecordView rec;
        while (reader.next(rec)) {
          if (rec.offset < next_offset) continue;
          CHECK(rec.offset == int64_t(out.size()));
          out.push_back((rec.key ? as_string(*rec.key) : "<null>") + "|" +
                        (rec.value ? as_string(*rec.value) : "<null>"));
          next_offset = rec.offset + 1;
        }
        INFO((reader.result().reason ? reader.result().reason : ""));
        CHECK(reader.result().ok());
      }
      CHECK(batches.result().ok());
    }
    return out;
  }
};

// Writes one batch of `lines` ("key|value") compressed by `codec` (nullptr: none).
std::vector<uint8_t> build_batch(const std::vector<std::string>& lines, rc::Codec* codec, int64_t ts0,
                                 std::vector<uint8_t>& buffer) {
  RecordBatchWriter writer;
  REQUIRE(writer.reset(buffer, ts0));
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t bar = lines[i].find('|');
    std::string key = lines[i].substr(0, bar);
    std::string value = lines[i].substr(bar + 1);
    REQUIRE(writer.append(ts0 + int64_t(i), as_bytes(key), as_bytes(value)));
  }
  std::vector<uint8_t> compressed(max_finished_size(writer.size(), codec));
  FinishOptions options;
  options.codec = codec;
  options.compression_buffer = compressed;
  FinishResult finished = writer.finish(options);
  INFO((finished.error ? finished.error : ""));
  REQUIRE(finished.ok());
  return {finished.batch.begin(), finished.batch.end()};
}

std::string write_lines_file(const std::string& topic, const std::vector<std::string>& lines,
                             char separator) {
  const std::string path = rt::binary_dir() + "/" + topic + ".records";
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  for (std::string line : lines) {
    line[line.find('|')] = separator;
    std::fprintf(f, "%s\n", line.c_str());
  }
  std::fclose(f);
  return path;
}

std::string kafka_tool() { return rt::shell_quote(rt::source_dir() + "/scripts/kafka-local") + " tool "; }

}  // namespace

TEST_CASE("batches we compress with every codec are accepted; kcat and the Java consumer read them") {
  Broker broker;
  struct Setting {
    CompressionType type;
    int level;
  };
  const Setting settings[] = {
      {CompressionType::none, rc::kDefaultLevel}, {CompressionType::gzip, rc::kDefaultLevel},
      {CompressionType::gzip, 1},                 {CompressionType::snappy, rc::kDefaultLevel},
      {CompressionType::lz4, rc::kDefaultLevel},  {CompressionType::lz4, 12},
      {CompressionType::zstd, rc::kDefaultLevel}, {CompressionType::zstd, -5},
      {CompressionType::zstd, 19},
  };
  std::vector<uint8_t> buffer(2 << 20);
  for (CompressionType type : kCodecs) {
    CAPTURE(name_of(type));
    const std::string topic = rt::unique_topic("compression-ours-" + name_of(type));
    const Uuid topic_id = broker.create_topic(topic);
    std::vector<std::string> expected;
    int batches = 0;
    for (const Setting& s : settings) {
      if (s.type != type) continue;
      CAPTURE(s.level);
      auto codec = rc::make_codec(s.type, s.level);
      REQUIRE(codec);
      auto lines = log_lines(3000, name_of(type) + "-" + std::to_string(s.level));
      auto batch = build_batch(lines, type == CompressionType::none ? nullptr : codec.get(),
                               now_ms() - 60000, buffer);
      RecordBatchView view;
      REQUIRE(view.parse(batch).ok());
      CHECK(view.compression() == type);
      std::string error;
      int16_t code = broker.produce(topic, topic_id, batch, broker.versions[ApiKey::produce], error);
      INFO(error);
      REQUIRE(code == 0);
      // Produce v3 (the oldest we speak) takes every codec but zstd (UNSUPPORTED_COMPRESSION_TYPE).
      if (type != CompressionType::zstd) {
        REQUIRE(broker.produce(topic, topic_id, batch, 3, error) == 0);
        expected.insert(expected.end(), lines.begin(), lines.end());
        ++batches;
      } else {
        CHECK(broker.produce(topic, topic_id, batch, 3, error) == 76);
      }
      expected.insert(expected.end(), lines.begin(), lines.end());
      ++batches;
    }

    // librdkafka, with CRC checks, decompressing with its own codecs.
    auto kcat = rt::run_command("kcat -b " + rt::shell_quote(rt::bootstrap()) + " -m 60 -C -t " +
                                    rt::shell_quote(topic) +
                                    " -X check.crcs=true -o beginning -e -q -f '%k|%s\\n'",
                                false);
    REQUIRE(kcat.exit_code == 0);
    CHECK(split_lines(kcat.output) == expected);

    // The Java client's consumer, decompressing with the Java codecs.
    auto java = rt::run_command(kafka_tool() + "console-consumer --bootstrap-server " +
                                    rt::shell_quote(rt::bootstrap()) + " --topic " +
                                    rt::shell_quote(topic) +
                                    " --from-beginning --timeout-ms 30000 --max-messages " +
                                    std::to_string(expected.size()) +
                                    " --formatter-property print.key=true"
                                    " --formatter-property key.separator='|'",
                                false);
    INFO(java.output.substr(0, 2000));
    REQUIRE(java.exit_code == 0);
    CHECK(split_lines(java.output) == expected);

    // And our own reader.
    rc::CodecSet codecs;
    std::vector<CompressionType> types;
    CHECK(broker.fetch(topic, topic_id, expected.size(), codecs, types) == expected);
    CHECK(types.size() == size_t(batches));
    for (CompressionType t : types) CHECK(t == type);
  }
}

TEST_CASE("batches kcat compressed with every codec are read through CodecSet") {
  Broker broker;
  for (CompressionType type : kCodecs) {
    CAPTURE(name_of(type));
    const std::string topic = rt::unique_topic("compression-kcat-" + name_of(type));
    const Uuid topic_id = broker.create_topic(topic);
    auto lines = log_lines(5000, "kcat");
    const std::string path = write_lines_file(topic, lines, ':');
    auto produced = rt::run_command("kcat -b " + rt::shell_quote(rt::bootstrap()) + " -m 60 -P -t " +
                                        rt::shell_quote(topic) + " -K: -z " + name_of(type) +
                                        " -X acks=all -X linger.ms=100 -l " + rt::shell_quote(path),
                                    true);
    std::remove(path.c_str());
    INFO(produced.output);
    REQUIRE(produced.exit_code == 0);

    rc::CodecSet codecs;
    std::vector<CompressionType> types;
    CHECK(broker.fetch(topic, topic_id, lines.size(), codecs, types) == lines);
    REQUIRE_FALSE(types.empty());
    CHECK(types.size() < lines.size() / 10);  // batched, so compression had something to do
    for (CompressionType t : types) CHECK(t == type);
  }
}

TEST_CASE("batches the Java ConsoleProducer compressed with every codec are read through CodecSet") {
  Broker broker;
  for (CompressionType type : kCodecs) {
    CAPTURE(name_of(type));
    const std::string topic = rt::unique_topic("compression-java-" + name_of(type));
    const Uuid topic_id = broker.create_topic(topic);
    auto lines = log_lines(5000, "java");
    const std::string path = write_lines_file(topic, lines, ':');
    auto produced = rt::run_command(
        kafka_tool() + "console-producer --bootstrap-server " + rt::shell_quote(rt::bootstrap()) +
            " --topic " + rt::shell_quote(topic) + " --compression-codec " + name_of(type) +
            " --producer-property acks=all --producer-property linger.ms=100"
            " --reader-property parse.key=true --reader-property key.separator=: < " +
            rt::shell_quote(path),
        true);
    std::remove(path.c_str());
    INFO(produced.output.substr(0, 2000));
    REQUIRE(produced.exit_code == 0);

    rc::CodecSet codecs;
    std::vector<CompressionType> types;
    CHECK(broker.fetch(topic, topic_id, lines.size(), codecs, types) == lines);
    REQUIRE_FALSE(types.empty());
    CHECK(types.size() < lines.size() / 10);
    for (CompressionType t : types) CHECK(t == type);
  }
}
