// The producer's own hot path: CoreProducer::produce and produce_many on a core thread,
// 100-byte unkeyed records into 512 KiB batches (acks=1, no compression, linger.ms=5), sent to
// an in-process null sink (benchmarks/null_sink: acknowledges Produce, stores nothing) over
// loopback. Time and CPU are the core thread's, so they include its share of sending (the
// kernel's TCP copy and the sink's receive path run on it); records/s is per core.
//
//   ./build/benchmarks/bench_producer --benchmark_filter=Core
//
// BM_CoreProduce/1: produce() per record (a clock reading per record);
// BM_CoreProduceMany/32: produce_many() of 32 records (one reading per 32).
// user_ns_per_record / sys_ns_per_record split the core thread's CPU: user is the producer's own
// work, sys almost all the kernel's TCP send over loopback (benchmarks/loopback_bandwidth
// measures that floor for any client: its writer's CPU per 100 bytes).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "null_sink/connection.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/client/producer.hpp"

namespace {

using namespace rawkafka;

// One null sink for the whole program, on a port the kernel picks.
struct InProcessSink {
  bench::SinkConfig config;
  bench::SinkStats stats;
  bench::PartitionOffsets offsets{8};

  InProcessSink() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("bench_producer: cannot listen on 127.0.0.1");
      std::exit(1);
    }
    config.port = ntohs(addr.sin_port);
    config.partitions = 8;
    std::thread([this, fd] {
      for (;;) {
        int c = accept(fd, nullptr, nullptr);
        if (c < 0) continue;
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::thread(bench::serve_connection, c, std::cref(config), std::ref(stats), std::ref(offsets)).detach();
      }
    }).detach();
  }
};

InProcessSink& sink() {
  static InProcessSink s;
  return s;
}

client::ProducerConfig config_for(const InProcessSink& s) {
  return client::ProducerConfig::from_properties({{"bootstrap.servers", "127.0.0.1:" + std::to_string(s.config.port)},
                                                  {"acks", "1"},
                                                  {"linger.ms", "5"},
                                                  {"batch.size", "524288"},
                                                  {"buffer.memory", "33554432"},
                                                  {"compression.type", "none"},
                                                  {"threads", "1"}});
}

std::vector<uint8_t> payload() {
  // Consecutive 100-byte windows of 1 MiB of letters, as rawproduce's random payload.
  std::vector<uint8_t> v((size_t(1) << 20) + 100);
  uint32_t x = 12345;
  for (auto& b : v) {
    x = x * 1103515245 + 12345;
    b = uint8_t('A' + (x >> 16) % 26);
  }
  return v;
}

// User and system CPU of the calling thread, in nanoseconds.
void thread_cpu_ns(double& user, double& sys) {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  user = double(ru.ru_utime.tv_sec) * 1e9 + double(ru.ru_utime.tv_usec) * 1e3;
  sys = double(ru.ru_stime.tv_sec) * 1e9 + double(ru.ru_stime.tv_usec) * 1e3;
}

void run(benchmark::State& state, size_t burst) {
  client::Producer producer(config_for(sink()));
  const std::vector<uint8_t> data = payload();
  const size_t windows = (data.size() - 100) / 100;
  producer.run_on_cores([&](client::CoreProducer& core) {
    std::vector<client::OutgoingRecord> records(burst);
    for (auto& r : records) r.topic = "bench";
    size_t w = 0;
    uint64_t produced = 0;
    double user0 = 0, sys0 = 0, user1 = 0, sys1 = 0;
    thread_cpu_ns(user0, sys0);
    for (auto _ : state) {
      for (auto& r : records) {
        r.value = protocol::Bytes(data.data() + w * 100, 100);
        if (++w == windows) w = 0;
      }
      if (burst == 1) {
        if (core.produce(records[0]) != client::ProduceStatus::queued) state.SkipWithError("not queued");
      } else {
        const client::ProduceManyResult res = core.produce_many(records);
        if (res.queued != burst) state.SkipWithError("not queued");
      }
      produced += burst;
    }
    thread_cpu_ns(user1, sys1);
    if (produced > 0) {
      state.counters["user_ns_per_record"] = (user1 - user0) / double(produced);
      state.counters["sys_ns_per_record"] = (sys1 - sys0) / double(produced);
    }
    state.SetItemsProcessed(int64_t(produced));
    state.SetBytesProcessed(int64_t(produced) * 100);
  });
  producer.close(std::chrono::seconds(10));
  const client::ProducerStats st = producer.stats();
  if (st.records_failed != 0) state.SkipWithError(st.last_error.c_str());
}

void BM_CoreProduce(benchmark::State& state) { run(state, 1); }
void BM_CoreProduceMany(benchmark::State& state) { run(state, size_t(state.range(0))); }

BENCHMARK(BM_CoreProduce)->Arg(1)->MinTime(1.0);
BENCHMARK(BM_CoreProduceMany)->Arg(32)->MinTime(1.0);

}  // namespace
