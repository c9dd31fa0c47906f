// JSON pieces of the tools' reports.
#include <doctest/doctest.h>

#include <limits>

#include "common/json.hpp"

using namespace rawkafka::tools;

TEST_CASE("strings are quoted with quotes, backslashes and control characters escaped") {
  CHECK(json_string("plain") == "\"plain\"");
  CHECK(json_string("a \"b\" \\ c\n\r\t") == "\"a \\\"b\\\" \\\\ c\\n\\r\\t\"");
  CHECK(json_string(std::string_view("\x01\x1f", 2)) == "\"\\u0001\\u001f\"");
  CHECK(json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
}

TEST_CASE("numbers have fixed decimals; what JSON cannot hold is 0") {
  CHECK(json_fixed(1.23456, 3) == "1.235");
  CHECK(json_fixed(2, 1) == "2.0");
  CHECK(json_fixed(std::numeric_limits<double>::quiet_NaN(), 3) == "0");
  CHECK(json_fixed(std::numeric_limits<double>::infinity(), 3) == "0");
  CHECK(json_fixed(1e300, 3).find('e') != std::string::npos);
}
