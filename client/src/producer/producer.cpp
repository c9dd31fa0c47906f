#include "rawkafka/client/producer.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <thread>

#include "core_worker.hpp"
#include "producer_shared.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/init_producer_id.hpp"
#include "ring_handoff.hpp"

namespace rawkafka::client {

using namespace detail;

std::string_view to_string(ProduceStatus status) {
  switch (status) {
    case ProduceStatus::queued: return "queued";
    case ProduceStatus::buffer_full: return "buffer_full";
    case ProduceStatus::record_too_large: return "record_too_large";
    case ProduceStatus::unknown_topic: return "unknown_topic";
    case ProduceStatus::closed: return "closed";
  }
  return "unknown";
}

std::string_view to_string(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::persisted: return "persisted";
    case DeliveryStatus::not_persisted: return "not persisted";
    case DeliveryStatus::possibly_persisted: return "possibly persisted";
  }
  return "unknown";
}

std::string_view to_string(LocalError error) {
  switch (error) {
    case LocalError::none: return "none";
    case LocalError::timed_out: return "delivery timed out";
    case LocalError::retries_exhausted: return "retries exhausted";
    case LocalError::too_large: return "record too large";
    case LocalError::closed: return "producer closed";
    case LocalError::unknown_topic: return "unknown topic or partition";
    case LocalError::fatal_idempotence: return "fatal idempotence error";
    case LocalError::bad_response: return "bad response from the broker";
  }
  return "unknown";
}

namespace {

std::atomic<uint64_t> g_next_producer_uid{1};

// The last topic this thread produced to, per producer: saves a locked lookup per record.
struct TopicCacheEntry {
  uint64_t producer_uid = 0;
  uint64_t generation = ~uint64_t(0);
  std::string name;
  uint32_t index = 0;
  uint32_t hash = 0;
  int32_t partition_count = -1;
};
thread_local TopicCacheEntry t_topic_cache;

}  // namespace

struct Producer::Impl {
  std::unique_ptr<ProducerShared> shared;
  std::vector<std::unique_ptr<CoreWorker>> cores;
  std::mutex close_mutex;
  bool closed = false;

  void bootstrap();
};

void Producer::Impl::bootstrap() {
  ProducerShared& s = *shared;
  const ProducerConfig& cfg = s.config;
  const auto timeout = std::chrono::milliseconds(cfg.request_timeout_ms);
  std::string error;
  ConnectedChannel c = s.metadata.connect_any(timeout, error);
  if (!c.channel) {
    throw ProducerError("could not reach any bootstrap broker of '" + cfg.bootstrap_servers +
                        "' within request.timeout.ms (" + std::to_string(cfg.request_timeout_ms) +
                        " ms): " + error);
  }
  const std::string where = c.channel->endpoint().to_string();
  std::optional<int16_t> produce = c.channel->version_for(protocol::ApiKey::produce);
  if (!produce) {
    throw ProducerError("the broker at " + where + " does not accept Produce v3 or later");
  }
  s.produce_version = *produce;
  s.metadata_version = c.channel->version_for(protocol::ApiKey::metadata).value_or(-1);
  s.init_producer_id_version = c.channel->version_for(protocol::ApiKey::init_producer_id).value_or(-1);
  s.sasl_handshake_version = c.channel->version_for(protocol::ApiKey::sasl_handshake).value_or(-1);
  s.sasl_authenticate_version = c.channel->version_for(protocol::ApiKey::sasl_authenticate).value_or(-1);
  if (s.metadata_version < 1) {
    throw ProducerError("the broker at " + where + " does not accept Metadata v1 or later");
  }
  if (cfg.compression_type == protocol::CompressionType::zstd && s.produce_version < 7) {
    throw ProducerError("the broker at " + where + " speaks Produce up to v" +
                        std::to_string(s.produce_version) + "; zstd needs v7 or later");
  }
  std::string err = s.metadata.refresh_on(*c.channel, {}, timeout);
  if (!err.empty()) throw ProducerError("metadata from " + where + " failed: " + err);

  s.idempotent = cfg.idempotence();
  // One producer id per core thread: each core numbers and, when the broker loses its state,
  // re-epochs its own partitions without asking the others.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (unsigned core = 0; s.idempotent && core < std::max(1u, cfg.threads); ++core) {
    protocol::InitProducerIdRequest req;
    req.transaction_timeout_ms = INT32_MAX;  // as the Java client for an idempotent producer
    for (;;) {
      protocol::InitProducerIdResponse resp;
      ChannelStatus st = c.channel->call(req, resp, timeout);
      if (!st.ok()) throw ProducerError("InitProducerId to " + where + " failed: " + st.message);
      if (resp.error_code == 0) {
        s.core_producer_ids.push_back({resp.producer_id, resp.producer_epoch});
        break;
      }
      if (!protocol::is_retriable(resp.error_code) || std::chrono::steady_clock::now() > deadline) {
        throw ProducerError("InitProducerId to " + where + " failed: " +
                            std::string(protocol::error_name(resp.error_code)) + ": " +
                            std::string(protocol::error_message(resp.error_code)));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(cfg.retry_backoff_ms));
    }
  }
}

Producer::Producer(ProducerConfig config) : impl_(std::make_unique<Impl>()) {
  config.validate();
  if (config.threads == 0) config.threads = 1;
  impl_->shared = std::make_unique<ProducerShared>(std::move(config));
  ProducerShared& s = *impl_->shared;
  s.uid = g_next_producer_uid.fetch_add(1);
  // Each (thread, core) ring is made on first use and sized from buffer.memory: 64 KiB to
  // 1 MiB. Records too large for it travel as a pointer to their own copy (record_entry.hpp).
  size_t cap = 1 << 16;
  const size_t per_ring = size_t(std::max<int64_t>(s.config.buffer_memory, 0)) /
                          (4 * size_t(std::max(1u, s.config.threads)));
  while (cap < (1u << 20) && cap * 2 <= per_ring) cap <<= 1;
  s.ring_capacity = cap;

  impl_->bootstrap();

  for (unsigned i = 0; i < s.config.threads; ++i) {
    impl_->cores.push_back(std::make_unique<CoreWorker>(s, i));
    s.cores.push_back(impl_->cores.back().get());
  }
  for (auto& core : impl_->cores) {
    core->start();
    if (!core->start_error().empty()) {
      std::string why = core->start_error();
      s.closed = true;
      impl_->cores.clear();
      throw ProducerError("could not start core thread: " + why);
    }
  }
}

Producer::~Producer() {
  if (impl_) close(std::chrono::milliseconds(impl_->shared->config.delivery_timeout_ms));
}

const ProducerConfig& Producer::config() const { return impl_->shared->config; }

void Producer::set_delivery_callback(DeliveryCallback callback) {
  impl_->shared->delivery_callback = std::move(callback);
}

void Producer::set_batch_delivery_callback(BatchDeliveryCallback callback) {
  impl_->shared->batch_delivery_callback = std::move(callback);
}

ProduceStatus Producer::produce(const OutgoingRecord& r, uint64_t user_token) {
  ProducerShared& s = *impl_->shared;
  if (s.closed.load(std::memory_order_relaxed)) return ProduceStatus::closed;
  ThreadRings* rings = thread_rings(s);
  if (!rings) return ProduceStatus::buffer_full;

  TopicCacheEntry& tc = t_topic_cache;
  const uint64_t gen = s.metadata.generation();
  if (tc.producer_uid != s.uid || tc.name != r.topic || tc.generation != gen ||
      tc.partition_count <= 0) {
    tc.producer_uid = s.uid;
    tc.name.assign(r.topic);
    tc.index = s.metadata.topic_index(r.topic);
    tc.hash = topic_hash(r.topic);
    tc.partition_count = s.metadata.partition_count(tc.index);
    if (tc.partition_count <= 0) {
      tc.partition_count = s.metadata.wait_for_topic(r.topic, std::chrono::milliseconds(s.config.max_block_ms));
    }
    tc.generation = s.metadata.generation();
    if (tc.partition_count <= 0) return ProduceStatus::unknown_topic;
  }

  int32_t partition = r.partition;
  if (partition >= tc.partition_count) return ProduceStatus::unknown_topic;
  if (partition < 0 && r.key && s.config.partitioner == PartitionerKind::default_partitioner) {
    partition = partition_for_key(*r.key, tc.partition_count);
  }
  const unsigned threads = unsigned(s.cores.size());
  const unsigned core = partition >= 0 ? owner_core(tc.hash, partition, threads) : rings->home_core;

  const int64_t called = monotonic_ns();
  const int64_t timestamp_ms = r.timestamp_ms >= 0
                                   ? r.timestamp_ms
                                   : std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
  const RecordEntryHeader h =
      entry_header_for(tc.index, partition, r.key, r.value, r.headers, timestamp_ms,
                       r.due_ns >= 0 ? std::min(r.due_ns, called) : called, user_token);
  // While the owner's ring is full: naps from 20 us, doubling every 8 looks, up to 1 ms.
  static const std::function<void(unsigned)> nap = [](unsigned tries) {
    std::this_thread::sleep_for(std::chrono::microseconds(std::min(20u << std::min(tries / 8, 6u), 1000u)));
  };
  const bool block = s.config.buffer_full_policy == BufferFullPolicy::block;
  HandoffResult res = hand_over(s, *rings, core, h, r.key, r.value, r.headers,
                                called + s.config.max_block_ms * 1'000'000, block ? &nap : nullptr);
  switch (res) {
    case HandoffResult::queued: return ProduceStatus::queued;
    case HandoffResult::too_large: return ProduceStatus::record_too_large;
    case HandoffResult::full: return ProduceStatus::buffer_full;
  }
  return ProduceStatus::buffer_full;
}

void Producer::run_on_cores(std::function<void(CoreProducer&)> body) {
  std::mutex m;
  std::condition_variable cv;
  size_t remaining = impl_->cores.size();
  for (auto& core : impl_->cores) {
    core->post_body(&body, [&] {
      std::lock_guard lock(m);
      if (--remaining == 0) cv.notify_all();
    });
  }
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return remaining == 0; });
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  ProducerShared& s = *impl_->shared;
  s.flushing.fetch_add(1);
  for (auto& core : impl_->cores) core->wake();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool done = false;
  for (;;) {
    done = true;
    for (auto& core : impl_->cores) {
      const auto& c = core->counters();
      if (!core->rings_released() ||
          c.enqueued.load() != c.acked.load() + c.failed.load()) {
        done = false;
        break;
      }
    }
    if (done || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  s.flushing.fetch_sub(1);
  return done;
}

void Producer::request_stop() noexcept { impl_->shared->stop_requested.store(true); }

void Producer::close(std::chrono::milliseconds timeout) {
  std::lock_guard lock(impl_->close_mutex);
  if (impl_->closed) return;
  impl_->closed = true;
  ProducerShared& s = *impl_->shared;
  s.stop_requested.store(true);
  if (!flush(timeout)) {
    // What is still held fails now ("delivery timed out"), counted and reported.
    s.closed.store(true);
    s.abort.store(true);
    for (auto& core : impl_->cores) core->wake();
    flush(std::chrono::milliseconds(1000));
  }
  s.closed.store(true);
  for (auto& core : impl_->cores) core->stop_and_join();
}

ProducerStats Producer::stats() const {
  ProducerStats st;
  auto merged = std::make_unique<LatencyHistogram>();
  for (auto& core : impl_->cores) {
    const auto& c = core->counters();
    st.records_enqueued += c.enqueued.load(std::memory_order_relaxed);
    st.records_acked += c.acked.load(std::memory_order_relaxed);
    st.records_failed += c.failed.load(std::memory_order_relaxed);
    st.records_possibly_persisted += c.possibly_persisted.load(std::memory_order_relaxed);
    st.bytes_acked += c.bytes_acked.load(std::memory_order_relaxed);
    st.batches_acked += c.batches_acked.load(std::memory_order_relaxed);
    st.requests_sent += c.requests.load(std::memory_order_relaxed);
    st.retries += c.retries.load(std::memory_order_relaxed);
    st.reauthentications += c.reauthentications.load(std::memory_order_relaxed);
    core->merge_latency(*merged);
    std::string e = core->last_error();
    if (!e.empty()) st.last_error = e;
  }
  st.latency = merged->snapshot();
  st.backend = impl_->cores.empty() ? impl_->shared->config.backend : impl_->cores.front()->backend();
  const SecurityConfig& sec = impl_->shared->config.security;
  st.security = std::string(to_string(sec.protocol));
  if (sec.uses_sasl() && sec.sasl_mechanism) st.security += ", " + std::string(to_string(*sec.sasl_mechanism));
  if (const auto& tls = impl_->shared->metadata.tls()) {
    std::string negotiated = tls->negotiated();
    st.security += ", " + (negotiated.empty() ? std::string("TLS (no handshake yet)") : negotiated);
    if (sec.tls.certificate_file.empty()) {
      st.security += ", no client certificate";
    } else {
      st.security += ", client certificate";
    }
  }
  st.produce_version = impl_->shared->produce_version;
  st.threads = unsigned(impl_->cores.size());
  return st;
}

int32_t Producer::partition_count(std::string_view topic) {
  ProducerShared& s = *impl_->shared;
  uint32_t index = s.metadata.topic_index(topic);
  int32_t n = s.metadata.partition_count(index);
  if (n > 0) return n;
  s.metadata.refresh(topic, std::chrono::milliseconds(s.config.request_timeout_ms), false);
  n = s.metadata.partition_count(index);
  return n > 0 ? n : -1;
}

}  // namespace rawkafka::client
