#include <map>

#include "../property_parsing.hpp"
#include "rawkafka/client/consumer.hpp"

namespace rawkafka::client {

using namespace detail;

std::string_view to_string(IsolationLevel level) {
  return level == IsolationLevel::read_committed ? "read_committed" : "read_uncommitted";
}

std::string_view to_string(OffsetReset reset) {
  switch (reset) {
    case OffsetReset::earliest: return "earliest";
    case OffsetReset::latest: return "latest";
    case OffsetReset::none: return "none";
  }
  return "?";
}

namespace {

constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();
constexpr int64_t kLongMax = std::numeric_limits<int64_t>::max();

using Setter = void (*)(ConsumerConfig&, std::string_view key, std::string_view value);

int32_t int_property(std::string_view key, std::string_view value, int64_t min) {
  return int32_t(parse_integer(key, value, min, kIntMax));
}

const std::map<std::string_view, Setter>& setters() {
  static const std::map<std::string_view, Setter> table = {
      {"bootstrap.servers", [](ConsumerConfig& c, std::string_view, std::string_view v) { c.bootstrap_servers = std::string(trim(v)); }},
      {"client.id", [](ConsumerConfig& c, std::string_view, std::string_view v) { c.client_id = std::string(trim(v)); }},
      {"fetch.min.bytes", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.fetch_min_bytes = int_property(k, v, 0); }},
      {"fetch.max.bytes", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.fetch_max_bytes = int_property(k, v, 0); }},
      {"max.partition.fetch.bytes",
       [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.max_partition_fetch_bytes = int_property(k, v, 0); }},
      {"fetch.max.wait.ms", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.fetch_max_wait_ms = int_property(k, v, 0); }},
      {"isolation.level",
       [](ConsumerConfig& c, std::string_view, std::string_view v) {
         std::string_view t = trim(v);
         if (t == "read_uncommitted") c.isolation_level = IsolationLevel::read_uncommitted;
         else if (t == "read_committed") c.isolation_level = IsolationLevel::read_committed;
         else throw ConfigError("isolation.level must be read_uncommitted or read_committed, got " + quoted(v));
       }},
      {"check.crcs", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.check_crcs = parse_bool(k, v); }},
      {"auto.offset.reset",
       [](ConsumerConfig& c, std::string_view, std::string_view v) {
         std::string_view t = trim(v);
         if (t == "earliest") c.auto_offset_reset = OffsetReset::earliest;
         else if (t == "latest") c.auto_offset_reset = OffsetReset::latest;
         else if (t == "none") c.auto_offset_reset = OffsetReset::none;
         else throw ConfigError("auto.offset.reset must be earliest, latest or none, got " + quoted(v));
       }},
      {"request.timeout.ms", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.request_timeout_ms = int_property(k, v, 1); }},
      {"retry.backoff.ms", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.retry_backoff_ms = parse_integer(k, v, 0, kLongMax); }},
      {"reconnect.backoff.ms", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.reconnect_backoff_ms = parse_integer(k, v, 0, kLongMax); }},
      {"reconnect.backoff.max.ms",
       [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.reconnect_backoff_max_ms = parse_integer(k, v, 0, kLongMax); }},
      {"socket.connection.setup.timeout.ms",
       [](ConsumerConfig& c, std::string_view k, std::string_view v) {
         c.socket_connection_setup_timeout_ms = parse_integer(k, v, 1, kLongMax);
       }},
      {"metadata.max.age.ms", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.metadata_max_age_ms = parse_integer(k, v, 0, kLongMax); }},
      {"receive.buffer.bytes",
       [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.receive_buffer_bytes = int32_t(parse_integer(k, v, -1, kIntMax)); }},
      {"client.rack", [](ConsumerConfig& c, std::string_view, std::string_view v) { c.client_rack = std::string(trim(v)); }},
      {"threads", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.threads = unsigned(parse_integer(k, v, 1, 1024)); }},
      {"cores", [](ConsumerConfig& c, std::string_view, std::string_view v) { c.cores = parse_cores(v); }},
      {"backend",
       [](ConsumerConfig& c, std::string_view, std::string_view v) {
         if (!io::parse_backend(trim(v), c.backend)) {
           throw ConfigError("backend must be one of auto, uring, asio, got " + quoted(v));
         }
       }},
      {"delivery",
       [](ConsumerConfig& c, std::string_view, std::string_view v) {
         std::string_view t = trim(v);
         if (t == "records") c.delivery = Delivery::records;
         else if (t == "batches") c.delivery = Delivery::batches;
         else throw ConfigError("delivery must be records or batches, got " + quoted(v));
       }},
      {"connections.per.broker",
       [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.connections_per_broker = unsigned(parse_integer(k, v, 1, 16)); }},
      {"fetch.sessions", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.fetch_sessions = parse_bool(k, v); }},
      {"io.multishot.receive", [](ConsumerConfig& c, std::string_view k, std::string_view v) { c.multishot_receive = parse_bool(k, v); }},
  };
  return table;
}

// What a Java consumer config file carries for groups, deserializers and commits: a tool that
// takes such a file (kafka-consumer-perf-test's --consumer.config) accepts them and has no use
// for them without consumer groups.
bool ignored_java_property(std::string_view key) {
  static constexpr std::string_view kIgnored[] = {
      "group.id", "group.instance.id", "group.protocol", "group.remote.assignor", "key.deserializer",
      "value.deserializer", "enable.auto.commit", "auto.commit.interval.ms", "session.timeout.ms",
      "heartbeat.interval.ms", "max.poll.records", "max.poll.interval.ms", "partition.assignment.strategy",
      "exclude.internal.topics", "allow.auto.create.topics", "default.api.timeout.ms", "send.buffer.bytes",
      "connections.max.idle.ms", "interceptor.classes", "metric.reporters", "client.dns.lookup"};
  for (std::string_view k : kIgnored) {
    if (k == key) return true;
  }
  return false;
}

}  // namespace

ConsumerConfig ConsumerConfig::from_properties(const std::vector<std::pair<std::string, std::string>>& properties,
                                               unsigned cpus) {
  ConsumerConfig config;
  bool threads_given = false;
  const auto& table = setters();
  for (const auto& [raw_key, value] : properties) {
    std::string_view key = trim(raw_key);
    if (config.security.set(key, value)) continue;
    if (ignored_java_property(key)) continue;
    auto it = table.find(key);
    if (it == table.end()) throw ConfigError("unknown consumer property " + quoted(key));
    it->second(config, key, value);
    threads_given = threads_given || key == "threads";
  }
  if (!config.cores.empty() && !threads_given) config.threads = unsigned(config.cores.size());
  config.validate(cpus);
  return config;
}

void ConsumerConfig::validate(unsigned cpus) const {
  if (trim(bootstrap_servers).empty()) throw ConfigError("bootstrap.servers must list at least one host:port");
  security.validate();
  (void)bootstrap_endpoints();
  if (max_partition_fetch_bytes < 1) throw ConfigError("max.partition.fetch.bytes must be a positive integer");
  if (fetch_max_bytes < 1) throw ConfigError("fetch.max.bytes must be a positive integer");
  if (request_timeout_ms < 1) throw ConfigError("request.timeout.ms must be a positive integer");
  // The broker holds a fetch up to fetch.max.wait.ms; a request timeout shorter than that
  // would time out every fetch of an idle partition.
  if (fetch_max_wait_ms >= request_timeout_ms) {
    throw ConfigError("fetch.max.wait.ms (" + std::to_string(fetch_max_wait_ms) +
                      ") must be less than request.timeout.ms (" + std::to_string(request_timeout_ms) + ")");
  }
  validate_threads_and_cores(threads, cores, cpus);
}

std::vector<io::Endpoint> ConsumerConfig::bootstrap_endpoints() const { return parse_endpoints(bootstrap_servers); }

std::vector<std::pair<std::string, std::string>> ConsumerConfig::to_properties() const {
  std::string core_list;
  for (int c : cores) {
    if (!core_list.empty()) core_list.push_back(',');
    core_list.append(std::to_string(c));
  }
  return {
      {"bootstrap.servers", bootstrap_servers},
      {"client.id", client_id},
      {"fetch.min.bytes", std::to_string(fetch_min_bytes)},
      {"fetch.max.bytes", std::to_string(fetch_max_bytes)},
      {"max.partition.fetch.bytes", std::to_string(max_partition_fetch_bytes)},
      {"fetch.max.wait.ms", std::to_string(fetch_max_wait_ms)},
      {"isolation.level", std::string(to_string(isolation_level))},
      {"check.crcs", check_crcs ? "true" : "false"},
      {"auto.offset.reset", std::string(to_string(auto_offset_reset))},
      {"request.timeout.ms", std::to_string(request_timeout_ms)},
      {"receive.buffer.bytes", std::to_string(receive_buffer_bytes)},
      {"threads", std::to_string(threads)},
      {"cores", core_list},
      {"backend", std::string(io::to_string(backend))},
      {"delivery", delivery == Delivery::records ? "records" : "batches"},
      {"fetch.sessions", fetch_sessions ? "true" : "false"},
      {"connections.per.broker", std::to_string(connections_per_broker)},
      {"io.multishot.receive", multishot_receive ? "true" : "false"},
      {"security.protocol", std::string(to_string(security.protocol))},
  };
}

}  // namespace rawkafka::client
