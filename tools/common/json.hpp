#pragma once
// Pieces of the tools' --json reports.

#include <string>
#include <string_view>

namespace rawkafka::tools {

// `text` as a JSON string, quotes included; quotes, backslashes and control characters escaped.
std::string json_string(std::string_view text);

// `value` with `decimals` digits after the point; NaN and the infinities, which JSON lacks, as 0.
std::string json_fixed(double value, int decimals);

}  // namespace rawkafka::tools
