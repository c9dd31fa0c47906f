// The README's consumer example: read every record of a topic that is there now, and count
// them. Built by the install test against an installed rawkafka; run it with a broker address.
#include <rawkafka/client/consumer.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
  using namespace rawkafka;
  const char* bootstrap = argc > 1 ? argv[1] : "127.0.0.1:9092";
  const char* topic = argc > 2 ? argv[2] : "events";
  auto config = client::ConsumerConfig::from_properties({{"bootstrap.servers", bootstrap}, {"threads", "1"}});
  client::Consumer consumer(config);

  client::Assignment assignment;
  assignment.topic = topic;                                 // every partition unless listed
  assignment.start = client::StartOffset::earliest();       // or latest(), at(offset), at_time(ms)
  assignment.stop_at_end = true;                            // stop at the end each partition had now
  if (auto r = consumer.assign(assignment, std::chrono::seconds(30)); !r.ok) {
    std::fprintf(stderr, "%s\n", r.error.c_str());  // unknown topic, unreachable broker, ...
    return 1;
  }

  // One handler per core thread; it sees only its own partitions, so it needs no locks.
  struct Counter final : client::ConsumerHandler {
    std::atomic<uint64_t>& total;
    explicit Counter(std::atomic<uint64_t>& t) : total(t) {}
    void on_record(const client::PartitionRecord& r) override {
      // r.record.key / .value / headers are views into the fetched bytes, valid during the call.
      if (r.record.value) total.fetch_add(1, std::memory_order_relaxed);
    }
    void on_error(const client::ConsumeError& e) override { std::fprintf(stderr, "%s\n", e.message.c_str()); }
  };
  std::atomic<uint64_t> total{0};
  auto result = consumer.run([&](unsigned) { return std::make_unique<Counter>(total); });
  std::printf("%llu records with values (%llu fetches)\n", (unsigned long long)total.load(),
              (unsigned long long)consumer.stats().fetches);
  return result.ok ? 0 : 1;
}
