#pragma once
// The command-line conventions every rawkafka tool follows, on CLI11:
//   - long flags only, plus -h for --help; no positional arguments, no "--" separator;
//   - a value as `--flag value` or `--flag=value`; the value after `--flag` is taken whatever it
//     looks like, so `--throughput -1` works (and `--flag=` gives an empty value);
//   - a key=value list (`--producer-props acks=1 linger.ms=5`) takes every following argument up
//     to the next flag, as Kafka's perf-test tools read theirs;
//   - the first mistake, in the order given, is reported as one sentence: "unknown option
//     '--foo'", "--topic needs a value", "--topic is required", or what a value check says.
// Parsing never prints, exits or throws: it returns exit code 0 or 2 and the sentence. CLI11
// stays inside command_line.cpp, so only that file pays for its headers.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rawkafka::tools {

struct ParseOutcome {
  int exit_code = 0;  // 0: parsed; 2: bad usage (error says why)
  std::string error;  // one sentence naming the flag and what is wrong
  bool help = false;  // --help or -h was given (then required flags are not checked)
  bool ok() const { return exit_code == 0; }
};

// What a tool's parse_command_line returns: its options, or exit code 2 and the sentence.
template <class Options>
struct ParseResult {
  Options options;
  int exit_code = 0;  // 0: run; 2: usage error (error set)
  std::string error;  // one sentence naming the flag and what is wrong
  bool ok() const { return exit_code == 0; }
  // Makes this a usage error saying `message`.
  ParseResult& fail(std::string message) {
    exit_code = 2;
    error = std::move(message);
    return *this;
  }
};

class CommandLine {
 public:
  // Stores a flag's value, or returns the sentence saying what is wrong with it ("" when good).
  using ValueCheck = std::function<std::string(const std::string& value)>;
  using KeyValues = std::vector<std::pair<std::string, std::string>>;

  CommandLine();
  ~CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // `--name`: sets `seen`. It takes no value: `--name=x` is a mistake.
  void flag(std::string_view name, bool& seen);
  // `--name V`: `check` is called with V at each occurrence (the last one given wins).
  void value(std::string_view name, ValueCheck check);
  // `--name K=V ...`: appends the pairs to `out`, over every occurrence. Needs at least one pair,
  // each with a non-empty key; the value is everything after the first '='.
  void key_values(std::string_view name, KeyValues& out);
  // Without `--name` (and without --help) parse() fails with "--name is required".
  void require(std::string_view name);

  // Parses argv[1..]. --help and -h are always known and set ParseOutcome::help.
  ParseOutcome parse(const std::vector<std::string>& args);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

// Value checks the tools share.
// A decimal integer with no sign, in range for uint64_t.
bool parse_unsigned(std::string_view text, uint64_t& out);
// A finite decimal number (std::stod's syntax, the whole text).
bool parse_finite_number(const std::string& text, double& out);
// The text in single quotes, as error sentences show what was given: 'abc'.
std::string in_quotes(std::string_view text);
// --backend uring|asio|auto, stored in `out` as given.
CommandLine::ValueCheck backend_value(std::string& out);

}  // namespace rawkafka::tools
