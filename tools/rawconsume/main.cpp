// rawconsume: kafka-consumer-perf-test's job on rawkafka's consumer. See usage_text().
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "common/client_properties.hpp"
#include "common/process_cpu.hpp"
#include "common/e2e_stamp.hpp"
#include "report.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/client/consumer.hpp"
#include "rawkafka/client/histogram.hpp"

namespace rc = rawkafka::rawconsume;
namespace client = rawkafka::client;
namespace protocol = rawkafka::protocol;
using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

namespace {

// Ctrl-C (or SIGTERM): the first asks the consumer to stop after what it holds and report;
// the second ends the process at once.
std::atomic<int> g_interrupts{0};
std::atomic<client::Consumer*> g_consumer{nullptr};
constexpr int kAbandonedExit = 130;

extern "C" void on_signal(int) {
  if (g_interrupts.fetch_add(1, std::memory_order_relaxed) == 0) {
    if (client::Consumer* c = g_consumer.load()) c->stop();
    return;
  }
  std::_Exit(kAbandonedExit);
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "rawconsume: %s\n\n%s", message.c_str(), rc::usage_text().c_str());
  return 2;
}

int run_error(const std::string& message) {
  std::fprintf(stderr, "rawconsume: %s\n", message.c_str());
  return 1;
}

// The checksum of a value: its 8-byte words (host order, little-endian here) and then its
// tail bytes, summed modulo 2^64. Cheap, yet it reads every byte; the comparison's librdkafka
// and franz-go consumers (benchmarks/) compute the same sum, so totals over a topic agree.
inline uint64_t value_checksum(protocol::Bytes b) {
  uint64_t sum = 0;
  size_t i = 0;
  for (; i + 8 <= b.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, b.data() + i, 8);
    sum += word;
  }
  for (; i < b.size(); ++i) sum += b[i];
  return sum;
}

// One per core thread. Counters are written by that thread only and read by the reporter:
// relaxed loads and stores, no read-modify-write on the hot path. The checksum is a sum, so
// runs that read the same records agree whatever the order across partitions and cores (raw
// mode sums batch offsets and counts instead: it reads no value).
struct alignas(64) CoreTally {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> checksum{0};
  client::LatencyHistogram e2e;  // read only after run() has joined the core threads
  std::vector<std::string> errors;
  uint64_t error_count = 0;
};

class Handler final : public client::ConsumerHandler {
 public:
  Handler(CoreTally& tally, rc::Mode mode, bool e2e) : tally_(tally), raw_(mode == rc::Mode::raw), e2e_(e2e) {}
  ~Handler() override { publish(); }

  void on_batch(const client::BatchInfo& batch) override {
    if (raw_) {
      records_ += uint64_t(batch.record_count);
      bytes_ += batch.bytes;
      checksum_ += uint64_t(batch.base_offset) * 0x9e3779b97f4a7c15ull + uint64_t(batch.record_count);
    } else if (e2e_) {
      // One clock read per batch: its records are read within microseconds of each other.
      batch_read_ns_ = rawkafka::tools::sent_ns_now();
    }
    if (raw_) publish();
  }

  void on_record(const client::PartitionRecord& r) override {
    const protocol::RecordView& rec = r.record;
    if (rec.key) bytes_ += rec.key->size();
    if (rec.value) {
      checksum_ += value_checksum(*rec.value);
      bytes_ += rec.value->size();
    }
    ++records_;
    // Plain stores (x86: a mov each), so the reporter sees the last batch as it ends.
    publish();
    if (e2e_) {
      protocol::RecordHeaderIterator headers(rec);
      protocol::RecordHeader header;
      while (headers.next(header)) {
        if (header.key.size() != rawkafka::tools::kSentNsHeader.size() ||
            std::memcmp(header.key.data(), rawkafka::tools::kSentNsHeader.data(), header.key.size()) != 0 ||
            !header.value) {
          continue;
        }
        if (auto sent = rawkafka::tools::decode_sent_ns(*header.value)) {
          tally_.e2e.record(batch_read_ns_ > *sent ? batch_read_ns_ - *sent : 0);
        }
        break;
      }
    }
  }

  void on_error(const client::ConsumeError& e) override {
    ++tally_.error_count;
    if (tally_.errors.size() < 10) tally_.errors.push_back(e.message);
  }

 private:
  void publish() {
    tally_.records.store(records_, std::memory_order_relaxed);
    tally_.bytes.store(bytes_, std::memory_order_relaxed);
    tally_.checksum.store(checksum_, std::memory_order_relaxed);
  }

  CoreTally& tally_;
  bool raw_;
  bool e2e_;
  uint64_t records_ = 0, bytes_ = 0, checksum_ = 0;
  uint64_t batch_read_ns_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  rc::ParseResult parsed = rc::parse_command_line(args);
  if (!parsed.ok()) return usage_error(parsed.error);
  const rc::Options& o = parsed.options;
  if (o.help) {
    std::fputs(rc::usage_text().c_str(), stdout);
    return 0;
  }
  if (std::string why = rc::check_against_machine(o, client::machine_cpus()); !why.empty()) return usage_error(why);

  // ---- configuration: --consumer.config, --consumer-props over it, our flags over both ----
  std::vector<std::pair<std::string, std::string>> props;
  try {
    // --fetch-size is perf-test's max.partition.fetch.bytes: the file and the pairs may override it.
    props = rawkafka::tools::client_properties(o.consumer_config, o.consumer_props,
                                               {{"max.partition.fetch.bytes", std::to_string(o.fetch_size)}},
                                               o.bootstrap_server, o.bootstrap_given);
  } catch (const client::ConfigError& e) {
    return usage_error(std::string("--consumer.config ") + e.what());
  }
  if (o.threads) props.emplace_back("threads", std::to_string(*o.threads));
  if (!o.backend.empty()) props.emplace_back("backend", o.backend);
  props.emplace_back("delivery", o.mode == rc::Mode::raw ? "batches" : "records");
  client::ConsumerConfig config;
  try {
    config = client::ConsumerConfig::from_properties(props);
  } catch (const client::ConfigError& e) {
    return usage_error(e.what());
  }

  std::unique_ptr<client::Consumer> consumer;
  try {
    consumer = std::make_unique<client::Consumer>(config);
  } catch (const std::exception& e) {
    return run_error(e.what());
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  g_consumer.store(consumer.get());

  // ---- assignment ----
  client::Assignment assignment;
  assignment.topic = o.topic;
  assignment.partitions = o.partitions;
  assignment.stop_at_end = o.to_end;
  switch (o.start.kind) {
    case rc::StartPosition::Kind::earliest: assignment.start = client::StartOffset::earliest(); break;
    case rc::StartPosition::Kind::latest: assignment.start = client::StartOffset::latest(); break;
    case rc::StartPosition::Kind::offset: assignment.start = client::StartOffset::at(o.start.value); break;
    case rc::StartPosition::Kind::timestamp: assignment.start = client::StartOffset::at_time(o.start.value); break;
  }
  if (client::ConsumeResult r = consumer->assign(assignment, std::chrono::milliseconds(config.request_timeout_ms));
      !r.ok) {
    return run_error(r.error);
  }
  if (g_interrupts.load()) return run_error("interrupted before reading");

  // ---- the run ----
  const unsigned threads = config.threads;
  std::vector<std::unique_ptr<CoreTally>> tallies;
  for (unsigned i = 0; i < threads; ++i) tallies.push_back(std::make_unique<CoreTally>());
  auto sum = [&](std::atomic<uint64_t> CoreTally::*field) {
    uint64_t n = 0;
    for (const auto& t : tallies) n += ((*t).*field).load(std::memory_order_relaxed);
    return n;
  };

  if (!o.hide_header && !o.json) std::printf("%s\n", rc::format_header(o.show_detailed_stats).c_str());
  std::fflush(stdout);

  double user0 = 0, sys0 = 0;
  rawkafka::tools::process_cpu_seconds(user0, sys0);
  const auto wall_start = WallClock::now();
  const auto start = Clock::now();
  std::atomic<bool> finished{false};
  std::atomic<int64_t> last_progress_ns{0};

  // The reporter: --show-detailed-stats lines, and the time of the last record seen.
  std::thread reporter([&] {
    uint64_t last_records = 0, last_bytes = 0, seen_records = 0;
    auto window_start = Clock::now();
    auto next = window_start + o.reporting_interval;
    while (!finished.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      const uint64_t records = sum(&CoreTally::records);
      if (records != seen_records) {
        seen_records = records;
        last_progress_ns.store(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
      }
      const auto now = Clock::now();
      if (now < next) continue;
      const uint64_t bytes = sum(&CoreTally::bytes);
      if (o.show_detailed_stats && !o.json) {
        rc::WindowStats w;
        w.end_time = WallClock::now();
        w.records = records;
        w.bytes = bytes;
        w.interval_records = records - last_records;
        w.interval_bytes = bytes - last_bytes;
        w.interval_ms = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(now - window_start).count());
        std::printf("%s\n", rc::format_window(w).c_str());
        std::fflush(stdout);
      } else if (o.json) {
        std::fprintf(stderr, "%llu records\n", static_cast<unsigned long long>(records));
      }
      last_records = records;
      last_bytes = bytes;
      window_start = now;
      next = now + o.reporting_interval;
    }
  });

  client::Consumer::RunOptions ro;
  ro.max_records = o.messages.value_or(0);
  ro.idle_timeout = o.timeout;
  client::ConsumeResult result = consumer->run(
      [&](unsigned core) { return std::make_unique<Handler>(*tallies[core], o.mode, o.e2e); }, ro);
  const auto end = Clock::now();
  finished.store(true);
  reporter.join();
  double user1 = 0, sys1 = 0;
  rawkafka::tools::process_cpu_seconds(user1, sys1);
  g_consumer.store(nullptr);

  // ---- the report ----
  const client::ConsumerStats st = consumer->stats();
  rc::FinalStats fs;
  fs.records = sum(&CoreTally::records);
  fs.bytes = sum(&CoreTally::bytes);
  fs.checksum = sum(&CoreTally::checksum);
  fs.batches = st.batches;
  // The time reading took: up to the last record, not the --timeout (or the wait before Ctrl-C)
  // that came after it.
  double seconds = std::chrono::duration<double>(end - start).count();
  if ((consumer->idle_timed_out() || g_interrupts.load() > 0) && fs.records > 0) {
    seconds = std::min(seconds, double(last_progress_ns.load()) / 1e9);
  }
  fs.seconds = seconds;
  fs.start_time = wall_start;
  fs.end_time = wall_start + std::chrono::duration_cast<WallClock::duration>(std::chrono::duration<double>(seconds));
  fs.fetch_ms = uint64_t(seconds * 1000);
  fs.cpu_user_seconds = user1 - user0;
  fs.cpu_sys_seconds = sys1 - sys0;
  fs.mode = o.mode == rc::Mode::raw ? "raw" : "parse";
  fs.backend = st.backend;
  fs.security = st.security;
  fs.fetch_version = st.fetch_version;
  fs.threads = threads;
  fs.corrupt_batches = st.corrupt_batches;
  fs.undecodable_batches = st.undecodable_batches;
  fs.leader_changes = st.leader_changes;
  fs.offset_resets = st.offset_resets;
  fs.session_resets = st.session_resets;
  fs.timeout = o.timeout;
  fs.interrupted = g_interrupts.load() > 0;
  fs.timed_out = consumer->idle_timed_out();
  for (const auto& t : tallies) {
    if (fs.first_error.empty() && !t->errors.empty()) fs.first_error = t->errors.front();
  }
  if (fs.first_error.empty()) fs.first_error = result.ok ? std::string() : result.error;
  // A run that waited in vain (a broker gone, a leader missing) says what the consumer met.
  if (fs.first_error.empty() && fs.timed_out) fs.first_error = st.last_error;
  if (o.e2e) {
    client::LatencyHistogram all;
    for (const auto& t : tallies) all.merge(t->e2e);
    fs.e2e = all.snapshot();
  }

  if (o.json) {
    std::printf("%s\n", rc::format_json(fs).c_str());
  } else {
    if (!o.show_detailed_stats) std::printf("%s\n", rc::format_total(fs).c_str());
    if (fs.timed_out && o.messages && fs.records < *o.messages) {
      std::printf("%s\n", rc::format_timeout_warning(o.timeout).c_str());
    }
    std::printf("%s", rc::format_details(fs).c_str());
  }
  std::fflush(stdout);
  for (const auto& t : tallies) {
    for (const std::string& e : t->errors) std::fprintf(stderr, "rawconsume: %s\n", e.c_str());
  }
  if (!result.ok) return run_error(result.error);
  std::vector<std::string> failures = rc::failure_sentences(fs, o.messages);
  // With --to-end the consumer stops at each partition's end; a run cut short by --timeout
  // before that is a failure too (failure_sentences says so from timed_out).
  for (const std::string& f : failures) std::fprintf(stderr, "rawconsume: %s\n", f.c_str());
  return failures.empty() ? 0 : 1;
}
