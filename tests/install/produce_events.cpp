// The README's library example: produce 1000 records and wait for their acknowledgements.
// Built by the install test against an installed rawkafka; run it with a broker address.
#include <rawkafka/client/config.hpp>
#include <rawkafka/client/producer.hpp>

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  using namespace rawkafka;
  const char* bootstrap = argc > 1 ? argv[1] : "127.0.0.1:9092";
  auto config = client::ProducerConfig::from_properties(
      {{"bootstrap.servers", bootstrap}, {"acks", "all"}, {"compression.type", "lz4"}, {"linger.ms", "5"}});
  client::Producer producer(config);  // throws ProducerError if no broker answers
  producer.set_delivery_callback([](const client::DeliveryReport& report) {
    if (!report.error.empty())  // status: not persisted, or possibly persisted (no answer came)
      std::fprintf(stderr, "partition %d: %.*s (%s)\n", report.partition, int(report.error.size()),
                   report.error.data(), std::string(client::to_string(report.status)).c_str());
  });

  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string value = "event " + std::to_string(i);
    client::OutgoingRecord record;
    record.topic = "events";
    record.value = protocol::Bytes(reinterpret_cast<const uint8_t*>(value.data()), value.size());
    // Copies the bytes; waits while buffer.memory is full. Anything but queued was refused.
    if (client::ProduceStatus st = producer.produce(record); st != client::ProduceStatus::queued) {
      std::fprintf(stderr, "record %d refused: %s\n", i, std::string(client::to_string(st)).c_str());
      ++refused;
    }
  }
  bool delivered = producer.flush(std::chrono::seconds(30));
  client::ProducerStats stats = producer.stats();
  std::printf("%llu acknowledged, %llu failed, p99 %.2f ms\n", (unsigned long long)stats.records_acked,
              (unsigned long long)stats.records_failed, stats.latency.p99_ns / 1e6);
  return delivered && refused == 0 && stats.records_failed == 0 ? 0 : 1;
}
