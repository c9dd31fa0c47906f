// The producer against a real Kafka broker; what it wrote is read back with kcat (librdkafka),
// with CRC checks on, and compared record by record.

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "integration.hpp"
#include "rawkafka/client/admin.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/client/producer.hpp"

namespace rt = rawkafka::testing;
using namespace rawkafka;
using namespace rawkafka::client;

namespace {

using Props = std::vector<std::pair<std::string, std::string>>;

ProducerConfig make_config(Props extra, const std::string& bootstrap = rt::bootstrap()) {
  Props props{{"bootstrap.servers", bootstrap}, {"request.timeout.ms", "15000"},
              {"max.block.ms", "15000"}, {"delivery.timeout.ms", "60000"}};
  for (auto& kv : extra) props.push_back(kv);
  return ProducerConfig::from_properties(props);
}

void create_topic(const std::string& topic, int partitions, const std::string& bootstrap = rt::bootstrap()) {
  AdminResult r = client::create_topic(parse_endpoints(bootstrap), topic, partitions, 1,
                                       std::chrono::seconds(60));
  INFO(r.message);
  REQUIRE(r.ok());
}

protocol::Bytes bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct ReadRecord {
  int partition = -1;
  long long offset = -1;
  std::string key;
  std::string value;
};

// Reads the whole topic with kcat (CRCs checked), "partition offset key value" per record.
std::vector<ReadRecord> read_back(const std::string& topic, size_t expected,
                                  const std::string& bootstrap = rt::bootstrap()) {
  auto r = rt::run_command("kcat -b " + rt::shell_quote(bootstrap) + " -C -t " + rt::shell_quote(topic) +
                               " -o beginning -e -q -X check.crcs=true -c " + std::to_string(expected + 10) +
                               " -f '%p\\t%o\\t%k\\t%s\\n'",
                           false);
  REQUIRE(r.exit_code == 0);
  std::vector<ReadRecord> out;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    ReadRecord rec;
    size_t a = line.find('\t'), b = line.find('\t', a + 1), c = line.find('\t', b + 1);
    if (a == std::string::npos || b == std::string::npos || c == std::string::npos) continue;
    rec.partition = std::stoi(line.substr(0, a));
    rec.offset = std::stoll(line.substr(a + 1, b - a - 1));
    rec.key = line.substr(b + 1, c - b - 1);
    rec.value = line.substr(c + 1);
    out.push_back(std::move(rec));
  }
  return out;
}

// Java's partition for each key, from an independent murmur2 (Python transcription).
std::vector<int> java_partitions(const std::vector<std::string>& keys, int partitions) {
  std::string path = rt::binary_dir() + "/producer-keys-" + std::to_string(::getpid()) + ".txt";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f);
    for (auto& k : keys) std::fprintf(f, "%s\n", k.c_str());
    std::fclose(f);
  }
  auto r = rt::run_command("python3 " + rt::shell_quote(rt::source_dir() + "/tests/integration/producer/java_partition.py") +
                           " " + std::to_string(partitions) + " < " + rt::shell_quote(path));
  std::remove(path.c_str());
  REQUIRE(r.exit_code == 0);
  std::vector<int> out;
  std::istringstream in(r.output);
  int p;
  while (in >> p) out.push_back(p);
  return out;
}

std::string value_for(size_t i) { return "value-" + std::to_string(i) + "-" + std::string(i % 50, 'x'); }
std::string key_for(size_t i) { return "key-" + std::to_string(i * 7919 % 100003); }

// Produces n keyed records from this thread, flushes, and checks the counters.
void produce_keyed(Producer& producer, const std::string& topic, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    std::string k = key_for(i), v = value_for(i);
    OutgoingRecord r;
    r.topic = topic;
    r.key = bytes_of(k);
    r.value = bytes_of(v);
    REQUIRE(producer.produce(r, i) == ProduceStatus::queued);
  }
  REQUIRE(producer.flush(std::chrono::seconds(60)));
  ProducerStats st = producer.stats();
  INFO(st.last_error);
  CHECK(st.records_acked == n);
  CHECK(st.records_failed == 0);
}

// Every record is back exactly once, on the partition Java would pick, in produce order per
// partition.
void check_keyed(const std::string& topic, size_t n, int partitions) {
  // With acks=0 the producer is done once the bytes are in the socket; the broker appends them
  // a little later. Read again (bounded) until everything is visible: a record that is really
  // lost still fails below.
  std::vector<ReadRecord> back;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int reads = 1;; ++reads) {
    back = read_back(topic, n + size_t(partitions));
    back.erase(std::remove_if(back.begin(), back.end(),
                              [](const ReadRecord& r) { return r.value.rfind("warmup", 0) == 0; }),
               back.end());
    if (back.size() >= n || std::chrono::steady_clock::now() >= deadline) {
      if (reads > 1) MESSAGE("all records of " << topic << " visible after " << reads << " reads");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  REQUIRE(back.size() == n);
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i) keys.push_back(key_for(i));
  auto expected_partition = java_partitions(keys, partitions);
  REQUIRE(expected_partition.size() == n);
  std::map<std::string, size_t> index_of_value;
  for (size_t i = 0; i < n; ++i) index_of_value[value_for(i)] = i;
  std::map<int, long long> last_index;
  std::vector<int> seen(n, 0);
  for (const auto& rec : back) {
    if (rec.value.rfind("warmup", 0) == 0) continue;
    auto it = index_of_value.find(rec.value);
    REQUIRE(it != index_of_value.end());
    size_t i = it->second;
    ++seen[i];
    CHECK(rec.key == key_for(i));
    CHECK(rec.partition == expected_partition[i]);
    auto li = last_index.find(rec.partition);
    if (li != last_index.end()) CHECK(li->second < (long long)i);  // order per partition
    last_index[rec.partition] = (long long)i;
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; }));
}

}  // namespace

TEST_CASE("keyed records with acks=all and idempotence land where Java puts them, in order, once") {
  const std::string topic = rt::unique_topic("producer-idem");
  create_topic(topic, 4);
  Producer producer(make_config({{"acks", "all"}}));
  produce_keyed(producer, topic, 20000);
  check_keyed(topic, 20000, 4);
}

TEST_CASE("acks=1 without idempotence delivers every record (in order with one request in flight)") {
  const std::string topic = rt::unique_topic("producer-acks1");
  create_topic(topic, 3);
  // Without idempotence only max.in.flight.requests.per.connection=1 keeps order across
  // retries (as with the Java client); a new topic's first batches are often retried.
  Producer producer(make_config({{"acks", "1"}, {"enable.idempotence", "false"},
                                 {"max.in.flight.requests.per.connection", "1"}}));
  produce_keyed(producer, topic, 10000);
  check_keyed(topic, 10000, 3);
}

TEST_CASE("acks=0 delivers every record without waiting for answers") {
  const std::string topic = rt::unique_topic("producer-acks0");
  create_topic(topic, 2);
  {
    // With acks=0 a broker that is not yet serving a new partition can only close the
    // connection (there is no response to carry an error), losing what was written, exactly
    // as with the Java client. So first make sure both partitions take writes.
    Producer warm(make_config({{"acks", "all"}}));
    std::string v = "warmup";
    for (int p = 0; p < 2; ++p) {
      OutgoingRecord r;
      r.topic = topic;
      r.partition = p;
      r.value = bytes_of(v);
      REQUIRE(warm.produce(r) == ProduceStatus::queued);
    }
    REQUIRE(warm.flush(std::chrono::seconds(30)));
    REQUIRE(warm.stats().records_acked == 2);
  }
  Producer producer(make_config({{"acks", "0"}}));
  produce_keyed(producer, topic, 10000);
  producer.close(std::chrono::seconds(10));
  check_keyed(topic, 10000, 2);
}

TEST_CASE("every compression codec round-trips through the broker") {
  for (const char* codec : {"gzip", "snappy", "lz4", "zstd"}) {
    SUBCASE(codec) {
      const std::string topic = rt::unique_topic(std::string("producer-") + codec);
      create_topic(topic, 2);
      Producer producer(make_config({{"compression.type", codec}, {"linger.ms", "20"}}));
      produce_keyed(producer, topic, 5000);
      check_keyed(topic, 5000, 2);
    }
  }
}

TEST_CASE("both reactor backends produce end to end") {
  for (const char* backend : {"uring", "asio"}) {
    SUBCASE(backend) {
      const std::string topic = rt::unique_topic(std::string("producer-") + backend);
      create_topic(topic, 2);
      Producer producer(make_config({{"backend", backend}}));
      CHECK(to_string(producer.stats().backend) == backend);
      produce_keyed(producer, topic, 5000);
      check_keyed(topic, 5000, 2);
    }
  }
}

TEST_CASE("run_on_cores bodies on two cores append straight into their batches") {
  const std::string topic = rt::unique_topic("producer-cores");
  create_topic(topic, 6);
  Producer producer(make_config({{"threads", "2"}}));
  const size_t per_core = 20000;
  producer.run_on_cores([&](CoreProducer& core) {
    const std::string prefix = "core" + std::to_string(core.core_index()) + "-";
    for (size_t i = 0; i < per_core; ++i) {
      std::string v = prefix + std::to_string(i);
      OutgoingRecord r;
      r.topic = topic;
      r.value = bytes_of(v);
      REQUIRE(core.produce(r) == ProduceStatus::queued);
    }
  });
  REQUIRE(producer.flush(std::chrono::seconds(60)));
  ProducerStats st = producer.stats();
  INFO(st.last_error);
  CHECK(st.threads == 2);
  CHECK(st.records_acked == 2 * per_core);
  auto back = read_back(topic, 2 * per_core);
  REQUIRE(back.size() == 2 * per_core);
  // Per core and partition, its records come back in the order it produced them.
  std::map<std::pair<std::string, int>, long long> last;
  std::map<std::string, size_t> per_prefix;
  for (const auto& rec : back) {
    size_t dash = rec.value.find('-');
    std::string prefix = rec.value.substr(0, dash);
    long long i = std::stoll(rec.value.substr(dash + 1));
    auto key = std::make_pair(prefix, rec.partition);
    if (last.count(key)) CHECK(last[key] < i);
    last[key] = i;
    ++per_prefix[prefix];
  }
  CHECK(per_prefix["core0"] == per_core);
  CHECK(per_prefix["core1"] == per_core);
}

TEST_CASE("produce_many takes records in bursts, stops at the first it refuses, and reports each by token") {
  const std::string topic = rt::unique_topic("producer-many");
  create_topic(topic, 6);
  Producer producer(make_config({{"threads", "2"}, {"max.request.size", "100000"}}));
  std::mutex m;
  std::map<uint64_t, int> delivered;  // token -> reports
  std::atomic<uint64_t> records_in_reports{0};
  producer.set_delivery_callback([&](const DeliveryReport& rep) {
    std::lock_guard lock(m);
    if (rep.error_code == 0) ++delivered[rep.user_token];
  });
  producer.set_batch_delivery_callback([&](const BatchDeliveryReport& rep) {
    if (rep.error_code == 0) records_in_reports += rep.record_count;
  });
  const size_t per_core = 3000, burst = 25;
  std::atomic<size_t> refused_at{SIZE_MAX};
  std::atomic<int> refused_status{-1};
  producer.run_on_cores([&](CoreProducer& core) {
    const unsigned c = core.core_index();
    std::vector<std::string> keys(burst), values(burst);
    std::vector<OutgoingRecord> records(burst);
    std::vector<uint64_t> tokens(burst);
    for (size_t first = 0; first < per_core; first += burst) {
      for (size_t i = 0; i < burst; ++i) {
        const size_t n = first + i;
        // Keyed: about half of each core's records belong to the other core's partitions.
        const std::string tag = std::to_string(c) + "-" + std::to_string(n);
        keys[i] = "k" + tag;
        values[i] = "core" + tag;
        records[i].topic = topic;
        records[i].key = bytes_of(keys[i]);
        records[i].value = bytes_of(values[i]);
        tokens[i] = uint64_t(c) * per_core + n;
      }
      ProduceManyResult res = core.produce_many(records, tokens);
      REQUIRE(res.queued == burst);
      CHECK(res.status == ProduceStatus::queued);
    }
    if (c == 0) {
      // A burst whose third record is over max.request.size: two are taken, then it stops.
      std::string big(200000, 'b');
      std::vector<OutgoingRecord> bad(4);
      std::vector<std::string> vals{"after-0", "after-1", "", "after-3"};
      for (size_t i = 0; i < bad.size(); ++i) {
        bad[i].topic = topic;
        bad[i].value = bytes_of(i == 2 ? big : vals[i]);
      }
      ProduceManyResult res = core.produce_many(bad);
      refused_at = res.queued;
      refused_status = int(res.status);
    }
  });
  REQUIRE(producer.flush(std::chrono::seconds(60)));
  ProducerStats st = producer.stats();
  INFO(st.last_error);
  CHECK(refused_at == 2);
  CHECK(refused_status == int(ProduceStatus::record_too_large));
  CHECK(st.records_acked == 2 * per_core + 2);
  CHECK(st.latency.count == 2 * per_core + 2);
  CHECK(records_in_reports == 2 * per_core + 2);
  {
    std::lock_guard lock(m);
    // Tokens 0.. of the keyed records, each reported once; the two untokened ones report 0.
    for (uint64_t t = 1; t < 2 * per_core; ++t) REQUIRE(delivered[t] == 1);
    CHECK(delivered[0] == 3);
  }
  auto back = read_back(topic, 2 * per_core + 2);
  REQUIRE(back.size() == 2 * per_core + 2);
  std::map<std::pair<std::string, int>, long long> last;
  std::map<std::string, size_t> seen;
  for (const auto& rec : back) {
    ++seen[rec.value];
    if (rec.value.rfind("after-", 0) == 0) continue;
    const size_t dash = rec.value.find('-');
    const std::string prefix = rec.value.substr(0, dash);
    const long long i = std::stoll(rec.value.substr(dash + 1));
    std::string expected_key = "k";
    expected_key += prefix.substr(4);
    expected_key += '-';
    expected_key += std::to_string(i);
    CHECK(rec.key == expected_key);
    auto key = std::make_pair(prefix, rec.partition);
    if (last.count(key)) CHECK(last[key] < i);  // in order per producing core and partition
    last[key] = i;
  }
  CHECK(seen.size() == 2 * per_core + 2);
  CHECK(seen["after-0"] == 1);
  CHECK(seen["after-1"] == 1);
  CHECK(seen.count("after-3") == 0);
}

TEST_CASE("records from many application threads all arrive") {
  const std::string topic = rt::unique_topic("producer-threads");
  create_topic(topic, 4);
  Producer producer(make_config({{"threads", "2"}, {"linger.ms", "2"}}));
  std::vector<std::thread> threads;
  const size_t per_thread = 5000;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < per_thread; ++i) {
        std::string v = "t";
        v += std::to_string(t);
        v += '-';
        v += std::to_string(i);
        OutgoingRecord r;
        r.topic = topic;
        r.value = bytes_of(v);
        if (producer.produce(r) != ProduceStatus::queued) std::abort();
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(producer.flush(std::chrono::seconds(60)));
  CHECK(producer.stats().records_acked == 3 * per_thread);
  CHECK(read_back(topic, 3 * per_thread).size() == 3 * per_thread);
}

TEST_CASE("a record over the broker's limit fails with the broker's reason while the others succeed") {
  // With idempotence the failed batch leaves a hole in the partition's sequence numbers; the
  // batches after it must be renumbered, or the broker refuses them all as out of order.
  for (const char* idempotent : {"true", "false"}) {
    SUBCASE(idempotent) {
      const std::string topic = rt::unique_topic("producer-large");
      create_topic(topic, 1);
      // Our max.request.size lets it out; the broker's message.max.bytes (1 MB) refuses it.
      Producer producer(make_config({{"max.request.size", "4000000"},
                                     {"enable.idempotence", idempotent},
                                     {"acks", std::string(idempotent) == "true" ? "all" : "1"},
                                     {"max.in.flight.requests.per.connection", "5"}}));
      std::mutex m;
      std::vector<std::string> errors;
      size_t ok = 0;
      producer.set_delivery_callback([&](const DeliveryReport& rep) {
        std::lock_guard lock(m);
        if (rep.error_code == 0) {
          ++ok;
        } else {
          errors.emplace_back(rep.error);
        }
      });
      std::string big(2'000'000, 'b');
      std::vector<std::string> values;
      for (int i = 0; i < 40; ++i) values.push_back(i == 20 ? big : "small-" + std::to_string(i));
      for (int i = 0; i < 40; ++i) {
        OutgoingRecord r;
        r.topic = topic;
        r.partition = 0;
        r.value = bytes_of(values[size_t(i)]);
        REQUIRE(producer.produce(r) == ProduceStatus::queued);
        if (i % 10 == 9) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // several batches
      }
      REQUIRE(producer.flush(std::chrono::seconds(60)));
      {
        std::lock_guard lock(m);
        CHECK(ok == 39);
        std::string all_errors;
        for (auto& e : errors) all_errors += e + "\n";
        INFO(all_errors);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].find("MESSAGE_TOO_LARGE") != std::string::npos);
        CHECK(errors[0].find("larger than the max message size") != std::string::npos);
      }
      CHECK(producer.stats().records_failed == 1);
      auto back = read_back(topic, 39);
      REQUIRE(back.size() == 39);
      size_t j = 0;
      for (int i = 0; i < 40; ++i) {
        if (i == 20) continue;
        CHECK(back[j++].value == values[size_t(i)]);
      }
    }
  }
}

TEST_CASE("a record over max.request.size is refused at once") {
  const std::string topic = rt::unique_topic("producer-too-large");
  create_topic(topic, 1);
  Producer producer(make_config({{"max.request.size", "100000"}}));
  std::string big(200'000, 'b');
  OutgoingRecord r;
  r.topic = topic;
  r.value = bytes_of(big);
  CHECK(producer.produce(r) == ProduceStatus::record_too_large);
  std::string small = "fine";
  r.value = bytes_of(small);
  CHECK(producer.produce(r) == ProduceStatus::queued);
  CHECK(producer.flush(std::chrono::seconds(30)));
  CHECK(producer.stats().records_acked == 1);
}

TEST_CASE("an unreachable bootstrap server is named in the error, within request.timeout.ms") {
  auto start = std::chrono::steady_clock::now();
  std::string message;
  try {
    Producer producer(make_config({{"request.timeout.ms", "3000"}}, "127.0.0.1:1"));
  } catch (const ProducerError& e) {
    message = e.what();
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  INFO(message);
  CHECK(message.find("127.0.0.1:1") != std::string::npos);
  CHECK(elapsed < std::chrono::milliseconds(3500));
}

TEST_CASE("a topic the cluster does not have fails fast after max.block.ms") {
  Producer producer(make_config({{"max.block.ms", "1500"}}));
  CHECK(producer.partition_count(rt::unique_topic("producer-missing")) == -1);
}
