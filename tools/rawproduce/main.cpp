// rawproduce: kafka-producer-perf-test's job on rawkafka's producer. See usage_text().
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "payload.hpp"
#include "report.hpp"
#include "verify.hpp"
#include "common/client_properties.hpp"
#include "common/process_cpu.hpp"
#include "common/e2e_stamp.hpp"
#include "rawkafka/client/admin.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/client/fetcher.hpp"
#include "rawkafka/client/histogram.hpp"
#include "rawkafka/client/producer.hpp"

namespace rp = rawkafka::rawproduce;
namespace client = rawkafka::client;
using Clock = std::chrono::steady_clock;

namespace {

// Ctrl-C (or SIGTERM): the first asks the run to stop producing and deliver what is held, for a
// bounded time; the second abandons delivery at once. The handler only counts and asks the
// producer to stop (async-signal-safe); the main thread, which blocks on nothing, does the rest.
std::atomic<int> g_interrupts{0};
std::atomic<bool> g_interrupted{false};
std::atomic<client::Producer*> g_producer{nullptr};

extern "C" void on_signal(int) {
  if (g_interrupts.fetch_add(1, std::memory_order_relaxed) == 0) {
    g_interrupted.store(true, std::memory_order_relaxed);
    if (client::Producer* p = g_producer.load()) p->request_stop();
  }
}

// After the first interrupt: how long held records may take to be delivered, and how long the
// --verify read-back may go without a record, so that the summary comes within seconds even when
// the broker has stopped answering.
constexpr std::chrono::milliseconds kInterruptedDeliveryWait{4000};
constexpr std::chrono::milliseconds kInterruptedReadStall{3000};
// Exit status after a second interrupt, as a shell reports a process ended by SIGINT.
constexpr int kAbandonedExit = 130;

// A counter written by one thread (or under a mutex) and read by any: plain loads and stores.
struct Count {
  std::atomic<uint64_t> value{0};
  void add(uint64_t n) { value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(uint64_t n) { value.store(n, std::memory_order_relaxed); }
  uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

// Per-core delivery accounting, one update per batch. The batch delivery callback runs on core
// threads; each thread finds its own block through a thread_local pointer, so nothing is shared
// on the hot path. The window counters are atomics read by the once-a-second reporter. Latency
// percentiles come from the producer's own per-record histogram (ProducerStats::latency).
struct alignas(64) CoreTally {
  std::atomic<uint64_t> window_records{0};
  std::atomic<uint64_t> window_bytes{0};
  std::atomic<uint64_t> window_latency_sum_ns{0};
  std::atomic<uint64_t> window_latency_max_ns{0};
  Count acked;
  Count failed;
  Count possibly_persisted;  // of failed
  Count bytes;
  Count generated;  // records this thread produced (sequence count)
  // --verify only: the sequences acknowledged on this core (one call per record).
  rp::SequenceSet acked_sequences;
};

thread_local CoreTally* t_tally = nullptr;

struct Shared {
  const rp::Options* options = nullptr;
  const rp::PayloadPool* pool = nullptr;
  unsigned threads = 1;
  std::vector<std::unique_ptr<CoreTally>> tallies;
  CoreTally stray;  // deliveries on a thread that ran no body (should not happen); under mutex
  std::mutex stray_mutex;
  std::mutex error_mutex;
  std::string first_error;

  void note_error(std::string_view reason) {
    std::lock_guard lock(error_mutex);
    if (first_error.empty()) first_error = std::string(reason);
  }
  std::string error() {
    std::lock_guard lock(error_mutex);
    return first_error;
  }
};

// Bytes are key + value bytes, as perf-test counts them.
void count_delivery(Shared& shared, CoreTally& tally, const client::BatchDeliveryReport& report) {
  if (report.error_code != 0) {
    tally.failed.add(report.record_count);
    if (report.status == client::DeliveryStatus::possibly_persisted) tally.possibly_persisted.add(report.record_count);
    shared.note_error(report.error);
    return;
  }
  tally.acked.add(report.record_count);
  tally.bytes.add(report.payload_bytes);
  tally.window_records.fetch_add(report.record_count, std::memory_order_relaxed);
  tally.window_bytes.fetch_add(report.payload_bytes, std::memory_order_relaxed);
  tally.window_latency_sum_ns.fetch_add(report.latency_sum_ns, std::memory_order_relaxed);
  if (report.latency_max_ns > tally.window_latency_max_ns.load(std::memory_order_relaxed)) {
    tally.window_latency_max_ns.store(report.latency_max_ns, std::memory_order_relaxed);
  }
}

// Work on a thread of its own, so that the main thread stays free to watch for interrupts. After a
// second interrupt the process exits without waiting for it.
class Background {
 public:
  explicit Background(std::function<void()> work)
      : thread_([this, w = std::move(work)] {
          w();
          std::lock_guard lock(mutex_);
          done_.store(true);
          finished_.notify_all();
        }) {}
  ~Background() {
    if (thread_.joinable()) thread_.join();
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  bool done() const { return done_.load(); }
  // Waits until the work is done or `timeout` passes; true when done.
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return finished_.wait_for(lock, timeout, [this] { return done_.load(); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable finished_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "rawproduce: %s\n\n%s", message.c_str(), rp::usage_text().c_str());
  return 2;
}

int run_error(const std::string& message) {
  std::fprintf(stderr, "rawproduce: %s\n", message.c_str());
  return 1;
}

// Makes sure the topic exists (creating it when --partitions/--replication-factor say so).
// Returns an error sentence, or empty.
std::string ensure_topic(const rp::Options& o, const client::ProducerConfig& config, int32_t& partitions) {
  client::AdminOptions ao;
  ao.client_id = config.client_id;
  ao.backend = config.backend;
  ao.request_timeout = std::chrono::milliseconds(config.request_timeout_ms);
  ao.security = config.security;
  client::AdminClient admin(config.bootstrap_endpoints(), ao);
  const auto timeout = std::chrono::milliseconds(config.request_timeout_ms);
  client::TopicDescription topic;
  client::AdminResult r = admin.describe(o.topic, topic, timeout);
  if (r.error == client::AdminError::unknown_topic) {
    if (!o.partitions) {
      return "topic '" + o.topic + "' does not exist; pass --partitions and --replication-factor to create it";
    }
    r = admin.create(o.topic, *o.partitions, *o.replication_factor, timeout);
    if (!r.ok() && r.error != client::AdminError::topic_already_exists) return r.message;
    r = admin.wait_for_leaders(o.topic, *o.partitions, timeout, &topic);
  } else if (r.ok() && !topic.all_partitions_have_leaders()) {
    r = admin.wait_for_leaders(o.topic, 1, timeout, &topic);
  }
  if (!r.ok()) return r.message;
  partitions = int32_t(topic.partitions.size());
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  rp::ParseResult parsed = rp::parse_command_line(args);
  if (!parsed.ok()) return usage_error(parsed.error);
  const rp::Options& o = parsed.options;
  if (o.help) {
    std::fputs(rp::usage_text().c_str(), stdout);
    return 0;
  }

  if (std::string why = rp::check_against_machine(o, client::machine_cpus()); !why.empty()) return usage_error(why);

  // ---- configuration ----
  // --producer.config first, --producer-props over it, --bootstrap-server over both when given.
  std::vector<std::pair<std::string, std::string>> props;
  try {
    props = rawkafka::tools::client_properties(o.producer_config, o.producer_props, {}, o.bootstrap_server,
                                               o.bootstrap_given);
  } catch (const client::ConfigError& e) {
    return usage_error(std::string("--producer.config ") + e.what());
  }
  if (o.threads) props.emplace_back("threads", std::to_string(*o.threads));
  if (!o.backend.empty()) props.emplace_back("backend", o.backend);
  client::ProducerConfig config;
  try {
    config = client::ProducerConfig::from_properties(props);
  } catch (const client::ConfigError& e) {
    return usage_error(e.what());
  }
  const unsigned threads = config.threads;

  // ---- payload, prepared before anything is timed ----
  std::unique_ptr<rp::PayloadPool> pool;
  try {
    switch (o.payload) {
      case rp::PayloadKind::json_logs: pool = std::make_unique<rp::PayloadPool>(rp::PayloadPool::json_logs()); break;
      case rp::PayloadKind::random: pool = std::make_unique<rp::PayloadPool>(rp::PayloadPool::random(o.record_size)); break;
      case rp::PayloadKind::file:
        pool = std::make_unique<rp::PayloadPool>(rp::PayloadPool::from_file(o.payload_file, o.payload_delimiter));
        break;
    }
  } catch (const rp::PayloadFileError& e) {
    return usage_error(std::string("--payload-file ") + e.what());
  } catch (const std::exception& e) {
    return run_error(e.what());
  }

  // ---- topic ----
  int32_t partitions = 0;
  if (std::string why = ensure_topic(o, config, partitions); !why.empty()) return run_error(why);

  std::vector<client::PartitionOffsets> offsets_before;
  client::FetcherOptions fo;
  fo.client_id = config.client_id;
  fo.backend = config.backend;
  fo.request_timeout = std::chrono::milliseconds(config.request_timeout_ms);
  fo.security = config.security;
  if (o.verify) {
    client::Fetcher before(config.bootstrap_endpoints(), fo);
    if (auto r = before.list_offsets(o.topic, offsets_before); !r.ok()) return run_error(r.message);
  }

  // ---- producer ----
  Shared shared;
  shared.options = &o;
  shared.pool = pool.get();
  shared.threads = threads;
  for (unsigned i = 0; i < threads; ++i) shared.tallies.push_back(std::make_unique<CoreTally>());

  std::unique_ptr<client::Producer> producer;
  try {
    producer = std::make_unique<client::Producer>(config);
  } catch (const std::exception& e) {
    return run_error(e.what());
  }
  producer->set_batch_delivery_callback([&shared](const client::BatchDeliveryReport& report) {
    if (CoreTally* tally = t_tally) {
      count_delivery(shared, *tally, report);
    } else {
      std::lock_guard lock(shared.stray_mutex);
      count_delivery(shared, shared.stray, report);
    }
  });
  if (o.verify) {
    // Which records were acknowledged, to tell lost records from unacknowledged ones read back.
    // The token given to produce() is the record's sequence.
    producer->set_delivery_callback([&shared](const client::DeliveryReport& report) {
      if (report.error_code != 0) return;
      if (CoreTally* tally = t_tally) {
        tally->acked_sequences.insert(report.user_token);
      } else {
        std::lock_guard lock(shared.stray_mutex);
        shared.stray.acked_sequences.insert(report.user_token);
      }
    });
  }
  g_producer.store(producer.get());
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  // ---- progress: one line a second ----
  std::FILE* progress_out = o.json ? stderr : stdout;
  std::atomic<bool> done{false};
  std::mutex reporter_mutex;
  std::condition_variable reporter_wake;
  auto stop_reporter = [&] {
    std::lock_guard lock(reporter_mutex);
    done.store(true);
    reporter_wake.notify_all();
  };
  std::thread reporter([&] {
    auto last = Clock::now();
    while (!done.load()) {
      {
        // One wake-up a second (and one when the run ends), not one per 50 ms.
        std::unique_lock lock(reporter_mutex);
        reporter_wake.wait_until(lock, last + std::chrono::seconds(1), [&] { return done.load(); });
      }
      if (done.load()) break;
      auto now = Clock::now();
      rp::WindowStats w;
      uint64_t latency_sum = 0, latency_max = 0;
      for (auto& t : shared.tallies) {
        w.records += t->window_records.exchange(0, std::memory_order_relaxed);
        w.bytes += t->window_bytes.exchange(0, std::memory_order_relaxed);
        latency_sum += t->window_latency_sum_ns.exchange(0, std::memory_order_relaxed);
        latency_max = std::max(latency_max, t->window_latency_max_ns.exchange(0, std::memory_order_relaxed));
      }
      w.seconds = std::chrono::duration<double>(now - last).count();
      last = now;
      w.avg_latency_ms = w.records ? double(latency_sum) / double(w.records) / 1e6 : 0;
      w.max_latency_ms = double(latency_max) / 1e6;
      std::fprintf(progress_out, "%s\n", rp::format_window(w).c_str());
      std::fflush(progress_out);
    }
  });

  // ---- the run ----
  double user0 = 0, sys0 = 0;
  const double cpu0 = rawkafka::tools::process_cpu_seconds(user0, sys0);
  const auto start = Clock::now();
  const auto deadline = o.duration_s ? start + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(*o.duration_s))
                                     : Clock::time_point::max();
  const uint64_t total = o.num_records.value_or(UINT64_MAX);
  const double per_thread_rate = o.throughput > 0 ? o.throughput / double(threads) : 0;
  // Paced runs wake at most once per quantum: half of linger.ms (records wait that long in their
  // batch anyway), between 100 us and 1 ms. A wake-up costs tens of microseconds of CPU here: one
  // per record at 50,000 records/s cost 4 us per record. A 2 ms quantum (kafka-producer-perf-
  // test's throttler sleeps once 2 ms are owed) took 50,000 records/s at linger.ms=5 from
  // 0.85-1.05 to 0.65-0.70 us per record, but added 0.5 ms to p50 and 1 ms to p99: not taken.
  const bool join_open_batches = config.linger_ms > 0;
  const auto pacing_quantum = std::chrono::microseconds(
      std::clamp<int64_t>(config.linger_ms * 1000 / 2, 100, 1000));

  auto body = [&](client::CoreProducer& core) {
    const unsigned index = core.core_index();
    CoreTally& tally = *shared.tallies[index % threads];
    t_tally = &tally;
    // This thread's sequences: index, index + T, index + 2T, ... below `total`.
    const uint64_t share = total == UINT64_MAX ? UINT64_MAX
                                               : total / threads + (index < total % threads ? 1 : 0);
    // Records go in bursts of up to kBurst through produce_many: one clock reading stamps a
    // burst (a reading per record cost more than the rest of a 100-byte record's work).
    constexpr size_t kBurst = 32;
    std::array<client::OutgoingRecord, kBurst> burst;
    std::array<uint64_t, kBurst> tokens{};
    std::array<std::array<uint8_t, 8>, kBurst> seq_bytes{};
    // --e2e: one stamp for the whole burst (see below), which every record's header points at.
    std::array<uint8_t, rawkafka::tools::kSentNsSize> sent_stamp{};
    // Each record's headers: the --verify mark first, then the --e2e stamp. Their values are
    // views of seq_bytes and sent_stamp, filled for each burst below; produce_many copies them.
    std::array<std::array<rawkafka::protocol::RecordHeader, 2>, kBurst> marks;
    std::array<std::array<char, 24>, kBurst> keys{};
    for (size_t i = 0; i < kBurst; ++i) {
      burst[i].topic = o.topic;
      size_t count = 0;
      if (o.verify) marks[i][count++] = {rp::kSequenceHeader, rawkafka::protocol::Bytes(seq_bytes[i].data(), 8)};
      if (o.e2e) marks[i][count++] = {rawkafka::tools::kSentNsHeader, rawkafka::protocol::Bytes(sent_stamp)};
      if (count) burst[i].headers = std::span<const rawkafka::protocol::RecordHeader>(marks[i].data(), count);
    }
    rp::PayloadCursor cursor(*pool, index, threads);
    const auto thread_start = Clock::now();
    auto due_of = [&](uint64_t n) {
      return thread_start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(double(n) / per_thread_rate));
    };
    auto last_wake = thread_start;
    uint64_t k = 0;
    uint64_t next_check = 0;
    while (k < share) {
      if (k >= next_check) {
        next_check = k + 256;
        tally.generated.set(k);
        if (core.stopping() || g_interrupted.load(std::memory_order_relaxed)) break;
        if (o.duration_s && Clock::now() >= deadline) break;
      }
      size_t n = size_t(std::min<uint64_t>(kBurst, share - k));
      if (per_thread_rate > 0) {
        // Token bucket: record k may leave at k / rate seconds after the start. Its latency runs
        // from then, not from when it was produced: a run that falls behind the rate shows it.
        // One wake-up per pacing quantum, not per record: the thread sleeps until record k is
        // due but at least a quantum past its last wake-up, then sends every record due by
        // then. Each still counts its latency from its own due time.
        const auto due = due_of(k);
        auto now = Clock::now();
        // The thread is woken anyway by answers and lingering batches: with linger.ms > 0, a
        // wake-up of that kind after record k is due ends the wait too, and the records due join
        // the open batch without a wake-up of their own (p50 at 100,000/s, linger.ms=5: 4.2 ->
        // 3.2 ms). Without linger they would make a batch each (p50 0.2 -> 0.6 ms): not then.
        if (now < due) {
          const auto wake = std::max(due, last_wake + pacing_quantum);
          for (; now < wake; now = Clock::now()) {
            core.poll_for(wake - now);
            if (core.stopping() || g_interrupted.load(std::memory_order_relaxed)) break;
            if (join_open_batches && Clock::now() >= due) {
              now = Clock::now();
              break;
            }
          }
          last_wake = now;
        }
        if (core.stopping() || g_interrupted.load(std::memory_order_relaxed)) break;
        if (o.duration_s && Clock::now() >= deadline) break;
        size_t m = 0;
        for (; m < n; ++m) {
          const auto d = m == 0 ? due : due_of(k + m);
          if (m > 0 && d > now) break;
          burst[m].due_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d.time_since_epoch()).count();
        }
        n = m;
      }
      for (size_t i = 0; i < n; ++i) {
        const uint64_t seq = (k + i) * threads + index;
        client::OutgoingRecord& record = burst[i];
        record.value = cursor.record();
        cursor.advance();
        if (o.keys) {
          size_t len = rp::format_key(seq % o.keys, keys[i].data());
          record.key = rawkafka::protocol::Bytes(reinterpret_cast<const uint8_t*>(keys[i].data()), len);
        }
        if (o.verify) rp::encode_sequence(seq, seq_bytes[i].data());
        tokens[i] = seq;
      }
      // One wall-clock reading for the burst, just before produce_many hands all of it over at
      // once: the moment each of its records is handed to the producer.
      if (o.e2e) rawkafka::tools::encode_sent_ns(rawkafka::tools::sent_ns_now(), sent_stamp.data());
      const client::ProduceManyResult res = core.produce_many({burst.data(), n}, {tokens.data(), n});
      k += res.queued;
      if (res.queued == n) continue;
      // Closed, or a wait for buffer memory ended by the interrupt: the run is being ended and
      // this record was never taken.
      const client::ProduceStatus st = res.status;
      if (st == client::ProduceStatus::closed) break;
      if (st == client::ProduceStatus::buffer_full &&
          (core.stopping() || g_interrupted.load(std::memory_order_relaxed))) {
        break;
      }
      tally.failed.add(1);
      if (st == client::ProduceStatus::record_too_large) {
        shared.note_error("record of " + std::to_string(burst[res.queued].value->size()) +
                          " bytes is larger than max.request.size (" + std::to_string(config.max_request_size) + ")");
      } else {
        shared.note_error(std::string(client::to_string(st)));
      }
      // That record counts as failed; the rest of the burst is made again from the next one.
      ++k;
      cursor = rp::PayloadCursor(*pool, k * threads + index, threads);
    }
    tally.generated.set(k);
  };

  // The main thread watches; producing, closing and reading back run in the background. The first
  // interrupt sets how long delivery may still take; the second abandons the run (abandon()).
  bool interrupt_seen = false;
  Clock::time_point interrupt_deadline = Clock::time_point::max();
  const auto interrupted_wait =
      std::min(std::chrono::milliseconds(config.delivery_timeout_ms), kInterruptedDeliveryWait);
  std::optional<Clock::time_point> end;
  double user1 = 0, sys1 = 0, cpu1 = 0;
  auto stop_clock = [&] {
    if (end) return;
    end = Clock::now();
    cpu1 = rawkafka::tools::process_cpu_seconds(user1, sys1);
  };

  // What the run did so far; the records neither acknowledged nor failed count as failed with
  // `unanswered_reason`.
  auto summarize = [&](const std::string& unanswered_reason) {
    rp::FinalStats fs;
    uint64_t produced_total = 0;
    auto add = [&](const CoreTally& t) {
      fs.records_sent += t.acked.get();
      fs.records_failed += t.failed.get();
      fs.records_possibly_persisted += t.possibly_persisted.get();
      fs.bytes += t.bytes.get();
    };
    for (auto& t : shared.tallies) {
      add(*t);
      produced_total += t->generated.get();
    }
    {
      std::lock_guard lock(shared.stray_mutex);
      add(shared.stray);
    }
    if (produced_total > fs.records_sent + fs.records_failed) {
      const uint64_t unanswered = produced_total - fs.records_sent - fs.records_failed;
      fs.records_failed += unanswered;
      fs.records_possibly_persisted += unanswered;  // sent or not, nobody can say now
      shared.note_error(std::to_string(unanswered) + " records " + unanswered_reason);
    }
    const client::ProducerStats pstats = producer->stats();
    const auto until = end.value_or(Clock::now());
    if (!end) cpu1 = rawkafka::tools::process_cpu_seconds(user1, sys1);
    fs.latency = pstats.latency;
    fs.seconds = std::chrono::duration<double>(until - start).count();
    fs.cpu_user_seconds = user1 - user0;
    fs.cpu_sys_seconds = sys1 - sys0;
    fs.cpu_seconds = cpu1 - cpu0;
    fs.backend = std::string(rawkafka::io::to_string(pstats.backend));
    fs.security = pstats.security;
    fs.reauthentications = pstats.reauthentications;
    fs.produce_version = pstats.produce_version;
    fs.threads = threads;
    fs.e2e = o.e2e;
    fs.first_error = shared.error();
    if (fs.first_error.empty() && !pstats.last_error.empty() && fs.records_failed) fs.first_error = pstats.last_error;
    fs.interrupted = g_interrupted.load();
    return fs;
  };

  auto print = [&](const rp::FinalStats& fs) {
    if (o.json) {
      std::printf("%s\n", rp::format_json(fs).c_str());
    } else {
      std::printf("%s\n%s", rp::format_total(fs).c_str(), rp::format_details(fs).c_str());
    }
    std::fflush(stdout);
    for (const std::string& sentence : rp::failure_sentences(fs)) std::fprintf(stderr, "rawproduce: %s\n", sentence.c_str());
    std::fflush(stderr);
  };

  // Interrupted twice: stop waiting for anything, say what is known, and exit.
  auto abandon = [&] {
    stop_clock();
    stop_reporter();
    rp::FinalStats fs = summarize("were not answered when interrupted twice");
    fs.abandoned = true;
    if (o.verify && !fs.verify) {
      rp::VerifySummary v;
      v.complete = false;
      v.expected = fs.records_sent;
      v.error = "not read back: interrupted twice";
      fs.verify = v;
    }
    print(fs);
    std::_Exit(kAbandonedExit);
  };

  auto watch_interrupts = [&] {
    const int n = g_interrupts.load(std::memory_order_relaxed);
    if (n >= 1 && !interrupt_seen) {
      interrupt_seen = true;
      interrupt_deadline = Clock::now() + interrupted_wait;
    }
    if (n >= 2) abandon();
  };
  // Returns as soon as the work is done; looks at interrupts every 50 ms meanwhile (a wake-up
  // every 10 ms was a tenth of a paced run's wake-ups).
  auto wait_for = [&](Background& work, const std::function<void()>& meanwhile) {
    while (!work.done()) {
      watch_interrupts();
      if (meanwhile) meanwhile();
      work.wait(std::chrono::milliseconds(50));
    }
  };

  // Closing delivers what is held, or fails it at once when the wait is over: close(0) also
  // unblocks a body waiting for buffer memory that a stalled broker never frees.
  std::optional<Background> closing;
  auto start_closing = [&](std::string_view why) {
    if (closing) return;
    stop_clock();
    if (!why.empty()) shared.note_error(why);
    closing.emplace([&] { producer->close(std::chrono::milliseconds(0)); });
  };
  const std::string wait_over = "not delivered within " + std::to_string(interrupted_wait.count()) +
                                " ms of the interrupt";
  {
    Background producing([&] { producer->run_on_cores(body); });
    wait_for(producing, [&] {
      if (interrupt_seen && Clock::now() >= interrupt_deadline) start_closing(wait_over);
    });
  }
  // Deliver what is held: the whole delivery timeout normally, a bounded wait when interrupted.
  if (!closing) {
    const auto flush_deadline = Clock::now() + std::chrono::milliseconds(config.delivery_timeout_ms);
    while (!producer->flush(std::chrono::milliseconds(50))) {
      watch_interrupts();
      if (Clock::now() >= std::min(flush_deadline, interrupt_deadline)) break;
    }
    watch_interrupts();
    const bool over = interrupt_seen && Clock::now() >= interrupt_deadline;
    start_closing(over ? std::string_view(wait_over) : std::string_view());
  }
  wait_for(*closing, nullptr);
  rp::FinalStats fs = summarize("were not delivered within " + std::to_string(config.delivery_timeout_ms) + " ms");

  if (o.verify) {
    rp::SequenceSet acknowledged;
    uint64_t generated = 0;
    for (auto& t : shared.tallies) {
      acknowledged.merge(t->acked_sequences);
      generated = std::max<uint64_t>(generated, t->generated.get() * threads);
    }
    acknowledged.merge(shared.stray.acked_sequences);
    rp::Verifier verifier(*pool, generated, threads, o.keys);
    const auto stall = interrupt_seen ? std::min(fo.request_timeout, kInterruptedReadStall) : fo.request_timeout;
    std::string why;
    {
      Background reading([&] {
        why = rp::read_back(config.bootstrap_endpoints(), fo, o.topic, offsets_before, stall, verifier);
      });
      wait_for(reading, nullptr);
    }
    fs.verify = why.empty() ? verifier.finish(acknowledged) : verifier.finish_incomplete(acknowledged.size(), why);
  }
  g_producer.store(nullptr);
  stop_reporter();
  reporter.join();

  print(fs);
  if (!fs.records_failed && (!fs.verify || fs.verify->ok())) return 0;
  return 1;
}
