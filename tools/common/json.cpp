#include "common/json.hpp"

#include <cmath>
#include <cstdio>

namespace rawkafka::tools {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

std::string json_fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "0";
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  // Beyond 64 characters (|value| > 1e50 or so) the exponent form still reads as a JSON number.
  if (n < 0 || size_t(n) >= sizeof(buf)) {
    std::snprintf(buf, sizeof(buf), "%.17g", value);
  }
  return buf;
}

}  // namespace rawkafka::tools
