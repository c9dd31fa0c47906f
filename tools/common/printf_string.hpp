#pragma once
// printf into a std::string, for the perf tools' fixed report formats (at most 1023 bytes).

#include <string>

namespace rawkafka::tools {

std::string printf_string(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace rawkafka::tools
