#pragma once
// rawproduce's command line: kafka-producer-perf-test's flags plus ours, read with the tools'
// shared conventions (common/command_line.hpp). Parsing is a pure function so that it can be
// tested without running anything.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/command_line.hpp"

namespace rawkafka::rawproduce {

enum class PayloadKind : uint8_t { json_logs, random, file };

struct Options {
  std::string topic;
  std::optional<uint64_t> num_records;   // --num-records
  std::optional<double> duration_s;      // --duration (instead of --num-records)
  uint32_t record_size = 100;            // --record-size (random payload)
  bool record_size_given = false;
  double throughput = -1;                // --throughput records/s; <= 0: unlimited
  std::vector<std::pair<std::string, std::string>> producer_props;  // --producer-props k=v ...
  std::string producer_config;           // --producer.config FILE (--producer-props win over it)
  std::string payload_file;              // --payload-file
  std::string payload_delimiter = "\n";  // --payload-delimiter
  PayloadKind payload = PayloadKind::random;  // --payload json-logs|random (file via --payload-file)
  bool payload_given = false;
  std::string bootstrap_server = "127.0.0.1:9092";  // --bootstrap-server
  bool bootstrap_given = false;
  uint64_t keys = 0;                     // --keys N: "key-<i mod N>"; 0: unkeyed
  std::optional<int32_t> partitions;     // --partitions (create when missing)
  std::optional<int16_t> replication_factor;  // --replication-factor
  std::optional<unsigned> threads;       // --threads
  std::string backend;                   // --backend uring|asio|auto ("" = from props/default)
  bool json = false;                     // --json
  bool verify = false;                   // --verify
  bool e2e = false;                      // --e2e: stamp records with their send time
  bool help = false;                     // --help
};

using ParseResult = tools::ParseResult<Options>;

// Parses argv[1..]. Never exits or prints.
ParseResult parse_command_line(const std::vector<std::string>& args);

// What the options ask of this machine of `cpus` CPUs (0: unknown): --threads beyond the CPUs
// only with cores named in --producer-props. Returns the sentence saying what is wrong, or "".
std::string check_against_machine(const Options& options, unsigned cpus);

// The usage text printed by --help and after a usage error.
std::string usage_text();

}  // namespace rawkafka::rawproduce
