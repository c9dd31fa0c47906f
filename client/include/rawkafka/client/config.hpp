#pragma once
// Producer configuration: Kafka's producer property names as typed fields, with the Java
// client's defaults (Kafka 4.x ProducerConfig), plus a few of our own (threads, cores,
// backend, buffer.full.policy).
//
// Parsing (from_properties) and validate() throw ConfigError with a sentence naming the
// property and what is wrong. Configuration is an edge: exceptions are fine here.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rawkafka/client/security.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/codec.hpp"

namespace rawkafka::client {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// acks: 0 (no response), 1 (leader), all / -1 (all in-sync replicas).
enum class Acks : int8_t { none = 0, leader = 1, all = -1 };
// The value sent in ProduceRequest.acks.
constexpr int16_t acks_value(Acks acks) { return int16_t(acks); }
std::string_view to_string(Acks acks);  // "0", "1", "all"

// `partitioner` (ours; Java names the class instead):
//  - "default": keyed records by murmur2 (as Java's BuiltInPartitioner), unkeyed records stick
//    to one partition until its batch is closed (KIP-480/KIP-794), then move to another;
//  - "sticky": every record sticky, keys ignored (Java's partitioner.ignore.keys=true);
//  - "round_robin": each record, keyed or not, goes to the next partition
//    (Java's org.apache.kafka.clients.producer.RoundRobinPartitioner).
// Java's partitioner.ignore.keys=true selects "sticky"; partitioner.class accepts
// org.apache.kafka.clients.producer.RoundRobinPartitioner.
enum class PartitionerKind : uint8_t { default_partitioner, sticky, round_robin };
std::string_view to_string(PartitionerKind kind);  // "default", "sticky", "round_robin"

// buffer.full.policy (ours): what produce() does when buffer.memory is used up.
//  - block: wait (running I/O) up to max.block.ms, then fail the record with buffer_full;
//  - fail:  fail the record at once with buffer_full.
enum class BufferFullPolicy : uint8_t { block, fail };
std::string_view to_string(BufferFullPolicy policy);

// Marker for "the codec's default level" (same value as compression::kDefaultLevel).
inline constexpr int kDefaultCompressionLevel = INT32_MIN;

// The CPUs of this machine, as std::thread::hardware_concurrency() counts them (0 when it
// cannot tell): core threads are pinned to CPUs 0 .. machine_cpus() - 1.
unsigned machine_cpus();

// The key=value pairs of a Java .properties file (kafka-producer-perf-test's --producer.config):
// `key=value` or `key: value` lines, `#` and `!` comments, blank lines, a trailing backslash
// continuing a line. Throws ConfigError naming the file when it cannot be read or a line has
// no key.
std::vector<std::pair<std::string, std::string>> read_properties_file(const std::string& path);

struct ProducerConfig {
  // ---- Kafka producer properties (Java defaults) ----
  std::string bootstrap_servers;                            // bootstrap.servers (required)
  std::string client_id = "rawkafka";                       // client.id
  Acks acks = Acks::all;                                    // acks
  int64_t linger_ms = 5;                                    // linger.ms
  int32_t batch_size = 16384;                               // batch.size (bytes)
  protocol::CompressionType compression_type = protocol::CompressionType::none;  // compression.type
  // compression.level (ours: applies to whichever codec is chosen), or Java's
  // compression.gzip.level / compression.lz4.level / compression.zstd.level for that codec.
  int compression_level = kDefaultCompressionLevel;
  int32_t max_in_flight_requests_per_connection = 5;        // max.in.flight.requests.per.connection
  // enable.idempotence: nullopt = not set, which means true unless acks != all (then silently
  // false, as Java). Use idempotence() for the effective value.
  std::optional<bool> enable_idempotence;
  int32_t retries = 2147483647;                             // retries
  int64_t retry_backoff_ms = 100;                           // retry.backoff.ms
  int64_t retry_backoff_max_ms = 1000;                      // retry.backoff.max.ms
  int64_t delivery_timeout_ms = 120000;                     // delivery.timeout.ms
  int32_t request_timeout_ms = 30000;                       // request.timeout.ms
  int64_t buffer_memory = 33554432;                         // buffer.memory (bytes)
  int32_t max_request_size = 1048576;                       // max.request.size (bytes)
  int64_t max_block_ms = 60000;                             // max.block.ms
  PartitionerKind partitioner = PartitionerKind::default_partitioner;  // partitioner (ours)
  int64_t metadata_max_age_ms = 300000;                     // metadata.max.age.ms
  int64_t reconnect_backoff_ms = 50;                        // reconnect.backoff.ms
  int64_t reconnect_backoff_max_ms = 1000;                  // reconnect.backoff.max.ms
  int64_t socket_connection_setup_timeout_ms = 10000;       // socket.connection.setup.timeout.ms
  // SO_SNDBUF / SO_RCVBUF of the connections to brokers; -1 (or 0): the kernel's autotuning.
  // Java's defaults are 131072 and 32768; ours are -1, which bench_io measured fastest.
  int32_t send_buffer_bytes = -1;                           // send.buffer.bytes
  int32_t receive_buffer_bytes = -1;                        // receive.buffer.bytes

  // ---- ours ----
  unsigned threads = 1;                                     // threads: core threads
  std::vector<int> cores;                                   // cores: "0,2,4-7"; empty = 0..threads-1
  io::Backend backend = io::Backend::automatic;             // backend: auto | uring | asio
  BufferFullPolicy buffer_full_policy = BufferFullPolicy::block;  // buffer.full.policy
  // security.protocol, sasl.mechanism, sasl.username, sasl.password, sasl.jaas.config.
  SecurityConfig security;

  // Effective idempotence (Java rules): explicit value if set, else acks == all.
  bool idempotence() const { return enable_idempotence.value_or(acks == Acks::all); }

  // Builds a config from key=value pairs (later pairs win). Unknown keys, bad values and
  // inconsistent combinations throw ConfigError, e.g.
  //   "unknown producer property 'lingr.ms'"
  //   "linger.ms must be a non-negative integer, got 'abc'".
  // As Java, a delivery.timeout.ms that was not given is raised to linger.ms +
  // request.timeout.ms when smaller; a given one that is smaller is an error.
  // `cpus` is as validate() takes it.
  static ProducerConfig from_properties(
      const std::vector<std::pair<std::string, std::string>>& properties,
      unsigned cpus = machine_cpus());

  // Checks a config built in code; throws ConfigError as from_properties does. Against a
  // machine of `cpus` CPUs (0: unknown, not checked), every CPU in `cores` must exist, and
  // threads may outnumber the CPUs only when `cores` names the CPU of each thread.
  void validate(unsigned cpus = machine_cpus()) const;

  // bootstrap.servers as endpoints: "host:port,host:port", IPv6 as "[::1]:9092".
  // Throws ConfigError when empty or malformed.
  std::vector<io::Endpoint> bootstrap_endpoints() const;

  // The cores to pin thread i to: cores[i] when given, else i.
  int core_for_thread(unsigned thread_index) const {
    return thread_index < cores.size() ? cores[thread_index] : int(thread_index);
  }

  // Every property with its effective value, as key=value pairs in a stable order (for logs).
  std::vector<std::pair<std::string, std::string>> to_properties() const;
};

// Parses "host:port[,host:port...]" (whitespace around entries ignored; IPv6 in brackets).
// Throws ConfigError naming the bad entry.
std::vector<io::Endpoint> parse_endpoints(std::string_view list);

}  // namespace rawkafka::client
