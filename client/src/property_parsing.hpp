#pragma once
// Parsing of Kafka-style properties shared by the producer's and the consumer's configs: the
// sentences they throw (ConfigError) read the same for both.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "rawkafka/client/config.hpp"

namespace rawkafka::client::detail {

inline std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out.append(s);
  out += '\'';
  return out;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

inline bool to_int64(std::string_view text, int64_t& out) {
  text = trim(text);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// What a bounded integer must be, in words, for error messages.
inline std::string integer_kind(int64_t min, int64_t max) {
  constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();
  constexpr int64_t kLongMax = std::numeric_limits<int64_t>::max();
  if (max == kIntMax || max == kLongMax) {
    if (min == 0) return "a non-negative integer";
    if (min == 1) return "a positive integer";
    return "an integer of at least " + std::to_string(min);
  }
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

inline int64_t parse_integer(std::string_view key, std::string_view value, int64_t min, int64_t max) {
  int64_t v = 0;
  if (!to_int64(value, v) || v < min || v > max) {
    throw ConfigError(std::string(key) + " must be " + integer_kind(min, max) + ", got " +
                      quoted(value));
  }
  return v;
}

inline bool parse_bool(std::string_view key, std::string_view value) {
  std::string lower(trim(value));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (lower == "true") return true;
  if (lower == "false") return false;
  throw ConfigError(std::string(key) + " must be true or false, got " + quoted(value));
}

inline std::vector<int> parse_cores(std::string_view value) {
  // "0,2,4-7"
  std::vector<int> cores;
  std::string_view rest = value;
  auto bad = [&] {
    return ConfigError("cores must be a list of CPU numbers or ranges like '0,2,4-7', got " +
                       quoted(value));
  };
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) throw bad();
    size_t dash = item.find('-');
    int64_t lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!to_int64(item, lo) || lo < 0 || lo > 4095) throw bad();
      hi = lo;
    } else if (!to_int64(item.substr(0, dash), lo) || !to_int64(item.substr(dash + 1), hi) ||
               lo < 0 || hi < lo || hi > 4095) {
      throw bad();
    }
    for (int64_t c = lo; c <= hi; ++c) cores.push_back(int(c));
  }
  if (cores.empty()) throw bad();
  return cores;
}

// threads and cores against a machine of `cpus` CPUs (0: unknown, not checked): every named
// CPU must exist, and threads may outnumber the CPUs only when `cores` names each one's CPU.
inline void validate_threads_and_cores(unsigned threads, const std::vector<int>& cores, unsigned cpus) {
  if (threads < 1) throw ConfigError("threads must be a positive integer, got '" + std::to_string(threads) + "'");
  if (!cores.empty() && cores.size() < threads) {
    throw ConfigError("cores lists " + std::to_string(cores.size()) + " CPUs but threads is " +
                      std::to_string(threads) + "; list at least one CPU per thread");
  }
  if (cpus == 0) return;
  // A thread pinned to a CPU the machine lacks would run unpinned, and more threads than CPUs
  // share them: both are allowed only as asked for, by naming each thread's CPU.
  const std::string machine = "this machine has " + std::to_string(cpus) + (cpus == 1 ? " CPU" : " CPUs") +
                              (cpus == 1 ? ", numbered 0" : ", numbered 0 to " + std::to_string(cpus - 1));
  for (int core : cores) {
    if (core >= int(cpus)) throw ConfigError("cores names CPU " + std::to_string(core) + ", but " + machine);
  }
  if (cores.empty() && threads > cpus) {
    throw ConfigError("threads " + std::to_string(threads) + " is more than the " + std::to_string(cpus) +
                      (cpus == 1 ? " CPU" : " CPUs") +
                      " of this machine; name the cores (e.g. cores=0,1,0,1) to run more threads than CPUs");
  }
}

}  // namespace rawkafka::client::detail
