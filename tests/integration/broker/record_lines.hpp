#pragma once
// Test records as kcat reads and prints them: one "key:value" line per record.

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace rawkafka::testing {

// `count` distinct records of varied length (1..~400 bytes) and content; no '\n' anywhere and
// no ':' in keys, so "key:value" lines split unambiguously at the first ':'.
inline std::vector<std::string> make_record_lines(int count, uint32_t seed) {
  static constexpr char alphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}[]\",.;:_-+=/\\'!?#%&*()<>|~";
  uint32_t state = seed;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  };
  std::vector<std::string> lines;
  lines.reserve(size_t(count));
  for (int i = 0; i < count; ++i) {
    std::string line = "key-" + std::to_string(i) + ":{\"seq\":" + std::to_string(i) + ",\"text\":\"";
    size_t length = next() % 400;
    for (size_t j = 0; j < length; ++j) line += alphabet[next() % (sizeof(alphabet) - 1)];
    line += "\"}";
    lines.push_back(std::move(line));
  }
  return lines;
}

inline void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& line : lines) out << line << '\n';
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace rawkafka::testing
