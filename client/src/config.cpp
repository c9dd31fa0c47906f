#include "rawkafka/client/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>
#include <map>
#include <thread>

#include "property_parsing.hpp"
#include "rawkafka/compression/codecs.hpp"

namespace rawkafka::client {

std::string_view to_string(Acks acks) {
  switch (acks) {
    case Acks::none: return "0";
    case Acks::leader: return "1";
    case Acks::all: return "all";
  }
  return "?";
}

std::string_view to_string(PartitionerKind kind) {
  switch (kind) {
    case PartitionerKind::default_partitioner: return "default";
    case PartitionerKind::sticky: return "sticky";
    case PartitionerKind::round_robin: return "round_robin";
  }
  return "?";
}

std::string_view to_string(BufferFullPolicy policy) {
  return policy == BufferFullPolicy::block ? "block" : "fail";
}

namespace {

using namespace detail;

constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();
constexpr int64_t kLongMax = std::numeric_limits<int64_t>::max();

// Settings that are parsed per key but resolved together at the end.
struct Pending {
  bool delivery_timeout_given = false;
  std::optional<int> level_any;   // compression.level
  std::optional<int> level_gzip;  // compression.gzip.level
  std::optional<int> level_lz4;
  std::optional<int> level_zstd;
  bool threads_given = false;
};

using Setter = void (*)(ProducerConfig&, Pending&, std::string_view key, std::string_view value);

const std::map<std::string_view, Setter>& setters() {
  static const std::map<std::string_view, Setter> table = {
      {"bootstrap.servers",
       [](ProducerConfig& c, Pending&, std::string_view, std::string_view v) {
         c.bootstrap_servers = std::string(trim(v));
       }},
      {"client.id",
       [](ProducerConfig& c, Pending&, std::string_view, std::string_view v) {
         c.client_id = std::string(v);
       }},
      {"acks",
       [](ProducerConfig& c, Pending&, std::string_view, std::string_view v) {
         std::string_view t = trim(v);
         if (t == "all" || t == "-1") c.acks = Acks::all;
         else if (t == "1") c.acks = Acks::leader;
         else if (t == "0") c.acks = Acks::none;
         else throw ConfigError("acks must be one of all, -1, 0, 1, got " + quoted(v));
       }},
      {"linger.ms",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.linger_ms = parse_integer(k, v, 0, kLongMax);
       }},
      {"batch.size",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.batch_size = int32_t(parse_integer(k, v, 0, kIntMax));
       }},
      {"compression.type",
       [](ProducerConfig& c, Pending&, std::string_view, std::string_view v) {
         if (!compression::parse_compression_type(trim(v), c.compression_type)) {
           throw ConfigError("compression.type must be one of none, gzip, snappy, lz4, zstd, got " +
                             quoted(v));
         }
       }},
      {"compression.level",
       [](ProducerConfig&, Pending& p, std::string_view k, std::string_view v) {
         p.level_any = int(parse_integer(k, v, std::numeric_limits<int32_t>::min() + 1, kIntMax));
       }},
      {"compression.gzip.level",
       [](ProducerConfig&, Pending& p, std::string_view k, std::string_view v) {
         p.level_gzip = int(parse_integer(k, v, -1, 9));
       }},
      {"compression.lz4.level",
       [](ProducerConfig&, Pending& p, std::string_view k, std::string_view v) {
         p.level_lz4 = int(parse_integer(k, v, 1, 17));
       }},
      {"compression.zstd.level",
       [](ProducerConfig&, Pending& p, std::string_view k, std::string_view v) {
         p.level_zstd = int(parse_integer(k, v, -131072, 22));
       }},
      {"max.in.flight.requests.per.connection",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.max_in_flight_requests_per_connection = int32_t(parse_integer(k, v, 1, kIntMax));
       }},
      {"enable.idempotence",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.enable_idempotence = parse_bool(k, v);
       }},
      {"retries",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.retries = int32_t(parse_integer(k, v, 0, kIntMax));
       }},
      {"retry.backoff.ms",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.retry_backoff_ms = parse_integer(k, v, 0, kLongMax);
       }},
      {"retry.backoff.max.ms",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.retry_backoff_max_ms = parse_integer(k, v, 0, kLongMax);
       }},
      {"delivery.timeout.ms",
       [](ProducerConfig& c, Pending& p, std::string_view k, std::string_view v) {
         c.delivery_timeout_ms = parse_integer(k, v, 0, kIntMax);
         p.delivery_timeout_given = true;
       }},
      {"request.timeout.ms",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.request_timeout_ms = int32_t(parse_integer(k, v, 0, kIntMax));
       }},
      {"buffer.memory",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.buffer_memory = parse_integer(k, v, 0, kLongMax);
       }},
      {"max.request.size",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.max_request_size = int32_t(parse_integer(k, v, 0, kIntMax));
       }},
      {"max.block.ms",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.max_block_ms = parse_integer(k, v, 0, kLongMax);
       }},
      {"partitioner",
       [](ProducerConfig& c, Pending&, std::string_view, std::string_view v) {
         std::string_view t = trim(v);
         if (t == "default") c.partitioner = PartitionerKind::default_partitioner;
         else if (t == "sticky") c.partitioner = PartitionerKind::sticky;
         else if (t == "round_robin") c.partitioner = PartitionerKind::round_robin;
         else throw ConfigError("partitioner must be one of default, sticky, round_robin, got " + quoted(v));
       }},
      {"partitioner.ignore.keys",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         if (parse_bool(k, v)) c.partitioner = PartitionerKind::sticky;
         else if (c.partitioner == PartitionerKind::sticky) c.partitioner = PartitionerKind::default_partitioner;
       }},
      {"partitioner.class",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         std::string_view t = trim(v);
         if (t == "org.apache.kafka.clients.producer.RoundRobinPartitioner") {
           c.partitioner = PartitionerKind::round_robin;
         } else {
           throw ConfigError(std::string(k) + " " + quoted(v) +
                             " is not available; use partitioner=default|sticky|round_robin, or "
                             "org.apache.kafka.clients.producer.RoundRobinPartitioner");
         }
       }},
      {"metadata.max.age.ms",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.metadata_max_age_ms = parse_integer(k, v, 0, kLongMax);
       }},
      {"reconnect.backoff.ms",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.reconnect_backoff_ms = parse_integer(k, v, 0, kLongMax);
       }},
      {"reconnect.backoff.max.ms",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.reconnect_backoff_max_ms = parse_integer(k, v, 0, kLongMax);
       }},
      {"socket.connection.setup.timeout.ms",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.socket_connection_setup_timeout_ms = parse_integer(k, v, 0, kLongMax);
       }},
      {"send.buffer.bytes",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.send_buffer_bytes = int32_t(parse_integer(k, v, -1, kIntMax));
       }},
      {"receive.buffer.bytes",
       [](ProducerConfig& c, Pending&, std::string_view k, std::string_view v) {
         c.receive_buffer_bytes = int32_t(parse_integer(k, v, -1, kIntMax));
       }},
      // Serializers are a Java notion; perf-test scripts pass them, bytes go through as-is.
      {"key.serializer", [](ProducerConfig&, Pending&, std::string_view, std::string_view) {}},
      {"value.serializer", [](ProducerConfig&, Pending&, std::string_view, std::string_view) {}},
      {"threads",
       [](ProducerConfig& c, Pending& p, std::string_view k, std::string_view v) {
         c.threads = unsigned(parse_integer(k, v, 1, 1024));
         p.threads_given = true;
       }},
      {"cores",
       [](ProducerConfig& c, Pending&, std::string_view, std::string_view v) {
         c.cores = parse_cores(v);
       }},
      {"backend",
       [](ProducerConfig& c, Pending&, std::string_view, std::string_view v) {
         if (!io::parse_backend(trim(v), c.backend)) {
           throw ConfigError("backend must be one of auto, uring, asio, got " + quoted(v));
         }
       }},
      {"buffer.full.policy",
       [](ProducerConfig& c, Pending&, std::string_view, std::string_view v) {
         std::string_view t = trim(v);
         if (t == "block") c.buffer_full_policy = BufferFullPolicy::block;
         else if (t == "fail") c.buffer_full_policy = BufferFullPolicy::fail;
         else throw ConfigError("buffer.full.policy must be block or fail, got " + quoted(v));
       }},
  };
  return table;
}

std::string level_property(protocol::CompressionType type) {
  return "compression." + std::string(protocol::to_string(type)) + ".level";
}

}  // namespace

unsigned machine_cpus() { return std::thread::hardware_concurrency(); }

std::vector<std::pair<std::string, std::string>> read_properties_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot be read");
  std::vector<std::pair<std::string, std::string>> out;
  std::string line, logical;
  int number = 0, first_line = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (logical.empty()) {
      first_line = number;
      std::string_view t = trim(line);
      if (t.empty() || t.front() == '#' || t.front() == '!') continue;
    }
    // A line ending in an odd number of backslashes continues on the next.
    size_t slashes = 0;
    while (slashes < line.size() && line[line.size() - 1 - slashes] == '\\') ++slashes;
    // As Java: a continued line keeps what precedes its backslash; the next loses its
    // leading white space.
    std::string_view piece(line);
    if (!logical.empty()) {
      while (!piece.empty() && (piece.front() == ' ' || piece.front() == '\t')) piece.remove_prefix(1);
    }
    if (slashes % 2 == 1) {
      logical += std::string(piece.substr(0, piece.size() - 1));
      continue;
    }
    logical += std::string(piece);
    std::string_view t = trim(logical);
    const size_t sep = t.find_first_of("=:");
    const std::string_view key = trim(t.substr(0, sep));
    if (key.empty()) {
      throw ConfigError(path + ": line " + std::to_string(first_line) + " has no key before '='");
    }
    const std::string_view value = sep == std::string_view::npos ? std::string_view{} : trim(t.substr(sep + 1));
    out.emplace_back(std::string(key), std::string(value));
    logical.clear();
  }
  return out;
}

ProducerConfig ProducerConfig::from_properties(
    const std::vector<std::pair<std::string, std::string>>& properties, unsigned cpus) {
  ProducerConfig config;
  Pending pending;
  const auto& table = setters();
  for (const auto& [raw_key, value] : properties) {
    std::string_view key = trim(raw_key);
    if (config.security.set(key, value)) continue;
    auto it = table.find(key);
    if (it == table.end()) throw ConfigError("unknown producer property " + quoted(key));
    it->second(config, pending, key, value);
  }

  // Compression level: compression.level wins; else the codec's own Java property.
  std::optional<int> level = pending.level_any;
  if (!level) {
    switch (config.compression_type) {
      case protocol::CompressionType::gzip: level = pending.level_gzip; break;
      case protocol::CompressionType::lz4: level = pending.level_lz4; break;
      case protocol::CompressionType::zstd: level = pending.level_zstd; break;
      default: break;
    }
  }
  if (level) config.compression_level = *level;

  if (!config.cores.empty() && !pending.threads_given) config.threads = unsigned(config.cores.size());

  // Java (ProducerConfig.postProcessAndValidateIdempotenceConfigs / KafkaProducer
  // configureDeliveryTimeout): an unset delivery.timeout.ms follows linger + request timeout.
  const int64_t floor = config.linger_ms + int64_t(config.request_timeout_ms);
  if (!pending.delivery_timeout_given && config.delivery_timeout_ms < floor) {
    config.delivery_timeout_ms = floor;
  }
  config.validate(cpus);
  return config;
}

void ProducerConfig::validate(unsigned cpus) const {
  if (trim(bootstrap_servers).empty()) {
    throw ConfigError("bootstrap.servers must list at least one host:port");
  }
  security.validate();
  (void)bootstrap_endpoints();
  if (linger_ms < 0) throw ConfigError("linger.ms must be a non-negative integer, got '" + std::to_string(linger_ms) + "'");
  if (batch_size < 0) throw ConfigError("batch.size must be a non-negative integer, got '" + std::to_string(batch_size) + "'");
  if (max_in_flight_requests_per_connection < 1) {
    throw ConfigError("max.in.flight.requests.per.connection must be a positive integer, got '" +
                      std::to_string(max_in_flight_requests_per_connection) + "'");
  }
  if (retries < 0) throw ConfigError("retries must be a non-negative integer, got '" + std::to_string(retries) + "'");
  if (request_timeout_ms < 0) {
    throw ConfigError("request.timeout.ms must be a non-negative integer, got '" + std::to_string(request_timeout_ms) + "'");
  }
  if (max_request_size < 0) {
    throw ConfigError("max.request.size must be a non-negative integer, got '" + std::to_string(max_request_size) + "'");
  }
  if (buffer_memory < 0) throw ConfigError("buffer.memory must be a non-negative integer, got '" + std::to_string(buffer_memory) + "'");
  if (delivery_timeout_ms < linger_ms + int64_t(request_timeout_ms)) {
    throw ConfigError("delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms (" +
                      std::to_string(linger_ms) + " + " + std::to_string(request_timeout_ms) +
                      "), got " + std::to_string(delivery_timeout_ms));
  }
  if (compression_level != kDefaultCompressionLevel) {
    std::string why = compression::level_error(compression_type, compression_level);
    if (!why.empty()) {
      throw ConfigError((compression_type == protocol::CompressionType::none ||
                                 compression_type == protocol::CompressionType::snappy
                             ? std::string("compression.level")
                             : level_property(compression_type)) +
                        ": " + why);
    }
  }
  // Java: an explicit enable.idempotence=true conflicting with other settings is an error; an
  // unset one silently turns off.
  if (enable_idempotence.value_or(false)) {
    if (acks != Acks::all) {
      throw ConfigError("enable.idempotence=true requires acks=all (got acks=" + std::string(to_string(acks)) +
                        "); set acks=all or enable.idempotence=false");
    }
    if (max_in_flight_requests_per_connection > 5) {
      throw ConfigError("enable.idempotence=true requires max.in.flight.requests.per.connection to be at most 5, got " +
                        std::to_string(max_in_flight_requests_per_connection));
    }
    if (retries == 0) {
      throw ConfigError("enable.idempotence=true requires retries greater than 0");
    }
  }
  validate_threads_and_cores(threads, cores, cpus);
}

std::vector<io::Endpoint> ProducerConfig::bootstrap_endpoints() const {
  return parse_endpoints(bootstrap_servers);
}

std::vector<io::Endpoint> parse_endpoints(std::string_view list) {
  std::vector<io::Endpoint> out;
  std::string_view rest = list;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    if (!item.empty()) {
      // Java accepts an optional listener prefix such as PLAINTEXT://.
      if (size_t scheme = item.find("://"); scheme != std::string_view::npos) item.remove_prefix(scheme + 3);
      io::Endpoint e;
      std::string_view port_text;
      auto bad = [&](const char* why) {
        return ConfigError("bootstrap.servers entry " + quoted(item) + " " + why);
      };
      if (item.front() == '[') {
        size_t close = item.find(']');
        if (close == std::string_view::npos) throw bad("has an unclosed '[' (write IPv6 as [::1]:9092)");
        e.host = std::string(item.substr(1, close - 1));
        if (close + 1 >= item.size() || item[close + 1] != ':') throw bad("has no port (expected host:port)");
        port_text = item.substr(close + 2);
      } else {
        size_t colon = item.rfind(':');
        if (colon == std::string_view::npos) throw bad("has no port (expected host:port)");
        if (item.find(':') != colon) throw bad("looks like an IPv6 address; write it as [addr]:port");
        e.host = std::string(item.substr(0, colon));
        port_text = item.substr(colon + 1);
      }
      if (e.host.empty()) throw bad("has no host (expected host:port)");
      int64_t port = 0;
      if (!to_int64(port_text, port) || port < 1 || port > 65535) throw bad("has an invalid port (expected 1 to 65535)");
      e.port = uint16_t(port);
      out.push_back(std::move(e));
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (out.empty()) throw ConfigError("bootstrap.servers must list at least one host:port");
  return out;
}

std::vector<std::pair<std::string, std::string>> ProducerConfig::to_properties() const {
  auto s = [](auto v) { return std::to_string(v); };
  std::string cores_text;
  for (size_t i = 0; i < cores.size(); ++i) {
    if (i) cores_text += ',';
    cores_text += std::to_string(cores[i]);
  }
  std::vector<std::pair<std::string, std::string>> out = {
      {"bootstrap.servers", bootstrap_servers},
      {"client.id", client_id},
      {"acks", std::string(to_string(acks))},
      {"linger.ms", s(linger_ms)},
      {"batch.size", s(batch_size)},
      {"compression.type", std::string(protocol::to_string(compression_type))},
      {"compression.level", compression_level == kDefaultCompressionLevel ? "default" : s(compression_level)},
      {"max.in.flight.requests.per.connection", s(max_in_flight_requests_per_connection)},
      {"enable.idempotence", idempotence() ? "true" : "false"},
      {"retries", s(retries)},
      {"retry.backoff.ms", s(retry_backoff_ms)},
      {"retry.backoff.max.ms", s(retry_backoff_max_ms)},
      {"delivery.timeout.ms", s(delivery_timeout_ms)},
      {"request.timeout.ms", s(request_timeout_ms)},
      {"buffer.memory", s(buffer_memory)},
      {"max.request.size", s(max_request_size)},
      {"max.block.ms", s(max_block_ms)},
      {"partitioner", std::string(to_string(partitioner))},
      {"metadata.max.age.ms", s(metadata_max_age_ms)},
      {"reconnect.backoff.ms", s(reconnect_backoff_ms)},
      {"reconnect.backoff.max.ms", s(reconnect_backoff_max_ms)},
      {"socket.connection.setup.timeout.ms", s(socket_connection_setup_timeout_ms)},
      {"send.buffer.bytes", s(send_buffer_bytes)},
      {"receive.buffer.bytes", s(receive_buffer_bytes)},
      {"threads", s(threads)},
      {"cores", cores_text},
      {"backend", std::string(io::to_string(backend))},
      {"buffer.full.policy", std::string(to_string(buffer_full_policy))},
      {"security.protocol", std::string(to_string(security.protocol))},
  };
  if (security.sasl_mechanism) out.emplace_back("sasl.mechanism", std::string(to_string(*security.sasl_mechanism)));
  if (!security.sasl_username.empty()) out.emplace_back("sasl.username", security.sasl_username);
  if (!security.sasl_password.empty()) out.emplace_back("sasl.password", "[hidden]");
  if (security.uses_tls()) {
    if (!security.tls.ca_file.empty()) out.emplace_back("ssl.ca.location", security.tls.ca_file);
    if (!security.tls.certificate_file.empty()) out.emplace_back("ssl.certificate.location", security.tls.certificate_file);
    if (!security.tls.key_file.empty()) out.emplace_back("ssl.key.location", security.tls.key_file);
    if (!security.tls.key_password.empty()) out.emplace_back("ssl.key.password", "[hidden]");
    out.emplace_back("ssl.endpoint.identification.algorithm", security.tls.verify_hostname ? "https" : "");
    if (!security.tls.verify_certificate) out.emplace_back("enable.ssl.certificate.verification", "false");
  }
  return out;
}

}  // namespace rawkafka::client
