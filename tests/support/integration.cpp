#include "integration.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace rawkafka::testing {

namespace {
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
}  // namespace

std::string bootstrap() { return env_or("RAWKAFKA_BOOTSTRAP", "127.0.0.1:9092"); }
std::string cluster_bootstrap() { return env_or("RAWKAFKA_CLUSTER_BOOTSTRAP", "127.0.0.1:29192"); }
std::string source_dir() { return env_or("RAWKAFKA_SOURCE_DIR", "."); }
std::string binary_dir() { return env_or("RAWKAFKA_BINARY_DIR", "build"); }

std::string unique_topic(std::string_view prefix) {
  static std::atomic<int> counter{0};
  auto now = std::chrono::system_clock::now().time_since_epoch();
  long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  return std::string(prefix) + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) +
         "-" + std::to_string(ms % 100000000);
}

CommandResult run_command(const std::string& command, bool merge_stderr) {
  CommandResult result;
  std::string full = merge_stderr ? command + " 2>&1" : command;
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += "'";
  return out;
}

double json_number(const std::string& json, std::string_view key) {
  std::string quoted = "\"";
  quoted.append(key).append("\":");
  size_t at = json.find(quoted);
  if (at == std::string::npos) return -1;
  return std::strtod(json.c_str() + at + quoted.size(), nullptr);
}

}  // namespace rawkafka::testing
