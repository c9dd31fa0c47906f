#pragma once
// rawconsume's command line: kafka-consumer-perf-test's flags where they apply, plus ours, read
// with the tools' shared conventions (common/command_line.hpp). Parsing is a pure function so
// that it can be tested without running anything.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/command_line.hpp"

namespace rawkafka::rawconsume {

// Where each partition is read from (--start, --from-latest).
struct StartPosition {
  enum class Kind : uint8_t {
    earliest,   // the log start offset
    latest,     // the high watermark: only records produced after the start
    offset,     // `value` is an offset, the same in every partition read
    timestamp,  // `value` is milliseconds since the epoch: the first record at or after it
  };
  Kind kind = Kind::earliest;
  int64_t value = 0;
};

enum class Mode : uint8_t {
  parse,  // decode every record (key, value, headers); bytes count key + value, as perf-test
  raw,    // check and count whole batches without decoding records; bytes count batch bytes
};

struct Options {
  std::string topic;                                 // --topic (required)
  std::string bootstrap_server = "127.0.0.1:9092";   // --bootstrap-server
  bool bootstrap_given = false;
  std::optional<uint64_t> messages;                  // --messages N
  bool to_end = false;                               // --to-end (instead of --messages)
  std::chrono::milliseconds timeout{10000};          // --timeout: longest gap between records; 0: none
  int32_t fetch_size = 1048576;                      // --fetch-size: max.partition.fetch.bytes
  std::optional<unsigned> threads;                   // --threads
  std::chrono::milliseconds reporting_interval{5000};  // --reporting-interval
  bool show_detailed_stats = false;                  // --show-detailed-stats
  bool hide_header = false;                          // --hide-header
  std::string consumer_config;                       // --consumer.config FILE
  std::vector<std::pair<std::string, std::string>> consumer_props;  // --consumer-props k=v ... (over the file)
  StartPosition start;                               // --start, --from-latest
  std::vector<int32_t> partitions;                   // --partitions: ascending, no repeats; empty: all
  Mode mode = Mode::parse;                           // --mode
  bool e2e = false;                                  // --e2e (parse mode only)
  std::string backend;                               // --backend uring|asio|auto ("" = from props/default)
  bool json = false;                                 // --json
  bool help = false;                                 // --help, -h
};

using ParseResult = tools::ParseResult<Options>;

// Parses argv[1..]. Never exits or prints.
ParseResult parse_command_line(const std::vector<std::string>& args);

// What the options ask of this machine of `cpus` CPUs (0: unknown): --threads beyond the CPUs
// only with cores named in --consumer-props. Returns the sentence saying what is wrong, or "".
std::string check_against_machine(const Options& options, unsigned cpus);

// The usage text printed by --help and after a usage error.
std::string usage_text();

}  // namespace rawkafka::rawconsume
