#pragma once
// Helpers for integration tests: where the real broker is, unique topics, running kcat & co.

#include <string>
#include <string_view>

namespace rawkafka::testing {

// RAWKAFKA_BOOTSTRAP (set by CTest for integration tests), else 127.0.0.1:9092.
std::string bootstrap();
// RAWKAFKA_CLUSTER_BOOTSTRAP: the first broker of the 3-broker test cluster.
std::string cluster_bootstrap();
std::string source_dir();  // the repository root
std::string binary_dir();  // the build folder

// A topic name no other test (or earlier run) uses: "<prefix>-<pid>-<counter>-<time>".
std::string unique_topic(std::string_view prefix);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout (stderr too when merge_stderr)
};
// Runs `command` through /bin/sh and captures its output.
CommandResult run_command(const std::string& command, bool merge_stderr = false);

// Quotes a string for /bin/sh.
std::string shell_quote(std::string_view text);

// The number after "key": in a flat JSON text (its first occurrence); -1 when absent.
double json_number(const std::string& json, std::string_view key);

}  // namespace rawkafka::testing
