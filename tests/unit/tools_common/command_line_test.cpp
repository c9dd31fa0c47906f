// The command-line conventions the tools share, and the CLI11 habits they switch off.
#include <doctest/doctest.h>

#include "common/command_line.hpp"

using rawkafka::tools::CommandLine;
using rawkafka::tools::ParseOutcome;
using Args = std::vector<std::string>;

namespace {

// A tool with one of each kind of flag.
struct Tool {
  std::string name;
  std::string count;
  std::vector<std::string> counts;  // every --count given, in order
  bool json = false;
  CommandLine::KeyValues props;
  CommandLine cl;

  Tool() {
    cl.value("--name", [this](const std::string& v) {
      name = v;
      return std::string();
    });
    cl.value("--count", [this](const std::string& v) -> std::string {
      if (v == "bad") return "--count must be a number, got 'bad'";
      count = v;
      counts.push_back(v);
      return {};
    });
    cl.flag("--json", json);
    cl.key_values("--props", props);
  }
};

ParseOutcome parse(Tool& tool, const Args& args) { return tool.cl.parse(args); }

std::string error_of(const Args& args, bool name_required = false) {
  Tool tool;
  if (name_required) tool.cl.require("--name");
  ParseOutcome r = parse(tool, args);
  CHECK(r.exit_code == (r.error.empty() ? 0 : 2));
  return r.error;
}

}  // namespace

TEST_CASE("a value follows its flag or an equals sign") {
  Tool tool;
  REQUIRE(parse(tool, {"--name", "a", "--count=3"}).ok());
  CHECK(tool.name == "a");
  CHECK(tool.count == "3");
}

TEST_CASE("the argument after a flag is its value whatever it looks like") {
  Tool tool;
  REQUIRE(parse(tool, {"--count", "-1", "--name", "--json"}).ok());
  CHECK(tool.count == "-1");
  CHECK(tool.name == "--json");
  CHECK_FALSE(tool.json);
  Tool other;
  REQUIRE(parse(other, {"--name", "-h", "--count", "--"}).ok());
  CHECK(other.name == "-h");
  CHECK(other.count == "--");
}

TEST_CASE("--flag= gives an empty value and takes nothing after it") {
  Tool tool;
  REQUIRE(parse(tool, {"--name=", "--count", "2"}).ok());
  CHECK(tool.name.empty());
  CHECK(tool.count == "2");
  Tool other;
  REQUIRE(parse(other, {"--name", ""}).ok());
  CHECK(other.name.empty());
}

TEST_CASE("values reach the checks exactly as typed") {
  for (std::string value : {"[a,b]", "{}", "a=", "x\x01", "=", "a b", "--"}) {
    CAPTURE(value);
    Tool tool;
    REQUIRE(parse(tool, {"--name", value}).ok());
    CHECK(tool.name == value);
    Tool inline_value;
    REQUIRE(parse(inline_value, {"--name=" + value}).ok());
    CHECK(inline_value.name == value);
  }
}

TEST_CASE("a repeated value flag: the last one wins, each one is checked") {
  Tool tool;
  REQUIRE(parse(tool, {"--count", "1", "--count", "2"}).ok());
  CHECK(tool.count == "2");
  CHECK(tool.counts == std::vector<std::string>{"1", "2"});
  CHECK(error_of({"--count", "bad", "--count", "2"}) == "--count must be a number, got 'bad'");
}

TEST_CASE("a key=value list takes the arguments up to the next flag") {
  Tool tool;
  REQUIRE(parse(tool, {"--props", "a=1", "b=x=y", "c=", "--json", "--props=d=-1", "e=[1,2]"}).ok());
  CHECK(tool.json);
  CHECK(tool.props == CommandLine::KeyValues{{"a", "1"}, {"b", "x=y"}, {"c", ""}, {"d", "-1"}, {"e", "[1,2]"}});
  CHECK(error_of({"--props"}) == "--props needs at least one key=value");
  CHECK(error_of({"--props", "--json"}) == "--props needs at least one key=value");
  CHECK(error_of({"--props", "acks"}) == "--props entries must be key=value, got 'acks'");
  CHECK(error_of({"--props", "=1"}) == "--props entries must be key=value, got '=1'");
  CHECK(error_of({"--props", ""}) == "--props entries must be key=value, got ''");
  CHECK(error_of({"--props="}) == "--props entries must be key=value, got ''");
  // A negative number is a value, not a flag, so it stays in the list.
  CHECK(error_of({"--props", "a=1", "-1"}) == "--props entries must be key=value, got '-1'");
  CHECK(error_of({"--props", "a=1", "--"}) == "unknown option '--'");
}

TEST_CASE("a flag takes no value") {
  Tool tool;
  REQUIRE(parse(tool, {"--json"}).ok());
  CHECK(tool.json);
  CHECK(error_of({"--json=false"}) == "--json takes no value, got 'false'");
  CHECK(error_of({"--json="}) == "--json takes no value, got ''");
  CHECK(error_of({"--json={}"}) == "--json takes no value, got '{}'");
}

TEST_CASE("unknown flags, short groups, words, -- and prefixes are unknown options") {
  CHECK(error_of({"--nam", "a"}) == "unknown option '--nam'");           // no prefix matching
  CHECK(error_of({"--Name", "a"}) == "unknown option '--Name'");         // nor case folding
  CHECK(error_of({"--na_me", "a"}) == "unknown option '--na_me'");
  CHECK(error_of({"--json", "stray"}) == "unknown option 'stray'");      // no positional arguments
  CHECK(error_of({"--", "--json"}) == "unknown option '--'");            // no end-of-options mark
  CHECK(error_of({"--json", "--"}) == "unknown option '--'");
  CHECK(error_of({"-hj"}) == "unknown option '-hj'");                    // no short groups
  CHECK(error_of({"-hh"}) == "unknown option '-hh'");
  CHECK(error_of({"-j"}) == "unknown option '-j'");
  CHECK(error_of({"-"}) == "unknown option '-'");
  CHECK(error_of({"-5"}) == "unknown option '-5'");
  CHECK(error_of({"/json"}) == "unknown option '/json'");                // no Windows-style flags
  CHECK(error_of({"--foo=1"}) == "unknown option '--foo=1'");
  CHECK(error_of({"--=1"}) == "unknown option '--=1'");
  CHECK(error_of({""}) == "unknown option ''");
}

TEST_CASE("the first mistake in the order given is the one reported") {
  CHECK(error_of({"--foo", "--count", "bad"}) == "unknown option '--foo'");
  CHECK(error_of({"--count", "bad", "--foo"}) == "--count must be a number, got 'bad'");
  CHECK(error_of({"--foo", "--count"}) == "unknown option '--foo'");
  CHECK(error_of({"--foo", "--props", "x"}) == "unknown option '--foo'");
  CHECK(error_of({"--json=1", "--foo"}) == "--json takes no value, got '1'");
  CHECK(error_of({"--bar", "--foo"}) == "unknown option '--bar'");
}

TEST_CASE("a flag at the end without its value") {
  CHECK(error_of({"--name"}) == "--name needs a value");
  CHECK(error_of({"--json", "--count"}) == "--count needs a value");
}

TEST_CASE("required flags are checked after everything else, and not with --help") {
  CHECK(error_of({"--count", "1"}, true) == "--name is required");
  CHECK(error_of({"--foo"}, true) == "unknown option '--foo'");
  CHECK(error_of({"--count", "bad"}, true) == "--count must be a number, got 'bad'");
  CHECK(error_of({"--name", "n"}, true).empty());
  for (const char* help : {"--help", "-h"}) {
    CAPTURE(help);
    Tool tool;
    tool.cl.require("--name");
    ParseOutcome r = parse(tool, {"--count", "1", help});
    CHECK(r.ok());
    CHECK(r.help);
  }
}

TEST_CASE("--help does not hide mistakes") {
  CHECK(error_of({"--help", "--foo"}) == "unknown option '--foo'");
  CHECK(error_of({"-h", "--count", "bad"}) == "--count must be a number, got 'bad'");
  CHECK(error_of({"--help=me"}) == "--help takes no value, got 'me'");
  Tool tool;
  CHECK_FALSE(parse(tool, {"--json"}).help);
}

TEST_CASE("-h ends a key=value list, as any flag does") {
  Tool tool;
  ParseOutcome r = parse(tool, {"--props", "a=1", "-h"});
  CHECK(r.ok());
  CHECK(r.help);
  CHECK(tool.props == CommandLine::KeyValues{{"a", "1"}});
}

TEST_CASE("value helpers") {
  using namespace rawkafka::tools;
  uint64_t n = 0;
  CHECK(parse_unsigned("18446744073709551615", n));
  CHECK(n == UINT64_MAX);
  CHECK_FALSE(parse_unsigned("18446744073709551616", n));
  CHECK_FALSE(parse_unsigned("+1", n));
  CHECK_FALSE(parse_unsigned("-1", n));
  CHECK_FALSE(parse_unsigned("1x", n));
  CHECK_FALSE(parse_unsigned("", n));
  double d = 0;
  CHECK(parse_finite_number("-1", d));
  CHECK(d == -1);
  CHECK(parse_finite_number("2.5", d));
  CHECK_FALSE(parse_finite_number("inf", d));
  CHECK_FALSE(parse_finite_number("nan", d));
  CHECK_FALSE(parse_finite_number("1.5s", d));
  CHECK(in_quotes("abc") == "'abc'");
}
