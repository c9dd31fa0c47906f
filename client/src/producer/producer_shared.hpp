#pragma once
// State every core thread and application thread of one Producer reads: configuration, what
// bootstrap negotiated, the cluster metadata, and the control flags. Written before the core
// threads start (or through atomics / ClusterMetadata's own lock afterwards).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster_metadata.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/client/producer.hpp"
#include "spsc_ring.hpp"

namespace rawkafka::client::detail {

class CoreWorker;

// Which core owns partition `partition` of a topic whose name hashes to `topic_hash`.
inline unsigned owner_core(uint32_t topic_hash, int32_t partition, unsigned cores) {
  return unsigned((uint64_t(topic_hash) + uint64_t(uint32_t(partition))) % cores);
}
// FNV-1a of the topic name: every thread computes the same owner without shared state.
inline uint32_t topic_hash(std::string_view name) {
  uint32_t h = 2166136261u;
  for (char c : name) h = (h ^ uint8_t(c)) * 16777619u;
  return h;
}

// The most application threads (core threads included) that may hand records over.
inline constexpr unsigned kMaxRingSources = 256;

struct ProducerShared {
  explicit ProducerShared(ProducerConfig c) : config(std::move(c)), metadata(config) {}

  ProducerConfig config;
  ClusterMetadata metadata;
  uint64_t uid = 0;  // distinguishes producers in thread-local caches

  // Negotiated at bootstrap.
  int16_t produce_version = -1;
  int16_t metadata_version = -1;
  int16_t init_producer_id_version = -1;
  int16_t sasl_handshake_version = -1;     // SASL only: negotiated at bootstrap
  int16_t sasl_authenticate_version = -1;
  bool idempotent = false;
  // Idempotence: one producer id per core (InitProducerId at bootstrap), so that each core's
  // sequence numbers and epoch bumps are its own.
  struct ProducerIdentity {
    int64_t id = -1;
    int16_t epoch = -1;
  };
  std::vector<ProducerIdentity> core_producer_ids;

  DeliveryCallback delivery_callback;
  BatchDeliveryCallback batch_delivery_callback;

  std::vector<CoreWorker*> cores;

  std::atomic<bool> stop_requested{false};  // run_on_cores bodies should return
  std::atomic<bool> closed{false};          // produce() refuses new records
  std::atomic<int> flushing{0};             // flushes in progress: linger does not apply
  std::atomic<bool> abort{false};           // fail everything still held (close timed out)

  // Rings from application threads (and cores forwarding to each other): one per
  // (thread, core); each core reads the slots below ring_count (see ring_handoff.hpp).
  std::mutex ring_mutex;
  std::vector<std::unique_ptr<SpscByteRing>> ring_storage;
  std::atomic<unsigned> ring_count{0};
  std::atomic<unsigned> next_home_core{0};
  size_t ring_capacity = 1 << 20;
};

}  // namespace rawkafka::client::detail
