#include "common/printf_string.hpp"

#include <cstdarg>
#include <cstdio>

namespace rawkafka::tools {

std::string printf_string(const char* format, ...) {
  char buf[1024];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buf, sizeof(buf), format, args);
  va_end(args);
  if (n < 0) return {};
  return std::string(buf, size_t(n) < sizeof(buf) ? size_t(n) : sizeof(buf) - 1);
}

}  // namespace rawkafka::tools
