#include "common/command_line.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <set>

namespace rawkafka::tools {

namespace {

// A mistake found while CLI11 walks the arguments. An option's callback throws it to stop the
// walk right there, so the mistake reported is the first one in the order given.
struct Mistake {
  std::string sentence;
};

// CLI11 reads a few shapes of argument its own way: "--" ends the options, "--flag=" counts as
// "--flag" with no value (and so swallows the next argument), a list value in [brackets] is
// split at commas, and "{}" or "" mean "no value". None of that is in our conventions. So before
// parsing, each argument of those shapes gets a marker byte at its end, which CLI11 then treats
// as an ordinary character, and every string that comes back out of CLI11 loses it again. An
// argument that already ends in the marker gets one more: unmarking always gives back exactly
// what was typed.
constexpr char kMarker = '\x01';

std::string mark(const std::string& arg) {
  if (arg.empty() || arg == "--") return arg + kMarker;
  const char last = arg.back();
  return last == '=' || last == ']' || last == '}' || last == kMarker ? arg + kMarker : arg;
}

std::string unmark(std::string text) {
  if (!text.empty() && text.back() == kMarker) text.pop_back();
  return text;
}

}  // namespace

struct CommandLine::Parser {
  CLI::App app;
  std::set<std::string> seen;
  std::vector<std::string> required;
  bool help = false;

  Parser() {
    app.set_help_flag();  // ours is a plain flag: CLI11's would print and skip the other checks
    app.allow_extras();   // unknown arguments are collected, then reported as ours
    app.allow_windows_style_options(false);
  }

  // CLI11 collects what it cannot place (unknown flags, stray words) in order. "-h" is not a
  // CLI11 option at all, or CLI11 would read "-hx" as "-h -x": it is recognised here instead.
  std::string first_unknown() const {
    for (const std::string& extra : app.remaining()) {
      std::string arg = unmark(extra);
      if (arg != "-h") return "unknown option " + in_quotes(arg);
    }
    return {};
  }
  bool short_help_given() const {
    for (const std::string& extra : app.remaining()) {
      if (extra == "-h") return true;
    }
    return false;
  }

  [[noreturn]] void fail(std::string sentence) const {
    std::string earlier = first_unknown();
    throw Mistake{earlier.empty() ? std::move(sentence) : std::move(earlier)};
  }

  // Every option runs its callback as soon as it is read (trigger_on_parse) and sees only that
  // occurrence's values (TakeAll over a cleared list), so that mistakes surface in order and
  // repeated flags behave as the tools document: the last value wins, lists add up.
  CLI::Option* add(const std::string& name, std::function<void(const CLI::results_t&)> on_read) {
    CLI::Option* option = app.add_option(name, [this, name, on_read = std::move(on_read)](const CLI::results_t& r) {
      on_read(r);
      seen.insert(name);
      return true;
    });
    return option->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->trigger_on_parse();
  }
};

CommandLine::CommandLine() : parser_(std::make_unique<Parser>()) {
  flag("--help", parser_->help);
}

CommandLine::~CommandLine() = default;

void CommandLine::flag(std::string_view name, bool& seen) {
  Parser& p = *parser_;
  const std::string flag_name(name);
  // No values (expected 0): CLI11 hands over "" for a bare flag and the text after '=' for
  // "--flag=text".
  auto on_read = [&p, &seen, flag_name](const CLI::results_t& results) {
    if (!results.empty() && !results.front().empty()) {
      p.fail(flag_name + " takes no value, got " + in_quotes(unmark(results.front())));
    }
    seen = true;
  };
  p.add(flag_name, on_read)->expected(0, 0);
}

void CommandLine::value(std::string_view name, ValueCheck check) {
  Parser& p = *parser_;
  // Exactly one value: CLI11 then takes the next argument whatever it looks like (`-1` too).
  auto on_read = [&p, check = std::move(check)](const CLI::results_t& results) {
    if (std::string error = check(unmark(results.at(0))); !error.empty()) p.fail(std::move(error));
  };
  p.add(std::string(name), on_read)->expected(1);
}

void CommandLine::key_values(std::string_view name, KeyValues& out) {
  Parser& p = *parser_;
  const std::string list_name(name);
  // Zero or more values: the arguments up to the next one that looks like a flag. With none,
  // CLI11 hands over one "" (a real empty argument would have been marked).
  auto on_read = [&p, &out, list_name](const CLI::results_t& results) {
    if (results.size() == 1 && results.front().empty()) p.fail(list_name + " needs at least one key=value");
    for (const std::string& raw : results) {
      std::string item = unmark(raw);
      const size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) p.fail(list_name + " entries must be key=value, got " + in_quotes(item));
      out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
  };
  p.add(list_name, on_read)->expected(0, -1)->allow_extra_args();
}

void CommandLine::require(std::string_view name) { parser_->required.emplace_back(name); }

ParseOutcome CommandLine::parse(const std::vector<std::string>& args) {
  Parser& p = *parser_;
  ParseOutcome outcome;
  auto fail = [&](std::string sentence) {
    outcome.exit_code = 2;
    outcome.error = std::move(sentence);
    return outcome;
  };
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed;
  reversed.reserve(args.size());
  for (auto it = args.rbegin(); it != args.rend(); ++it) reversed.push_back(mark(*it));
  try {
    p.app.parse(reversed);
  } catch (const Mistake& mistake) {
    return fail(mistake.sentence);
  } catch (const CLI::ArgumentMismatch&) {
    // A flag short of its value. CLI11 takes the argument after a flag whatever it looks like,
    // so only running out of arguments leaves one without: the flag is the last argument.
    std::string earlier = p.first_unknown();
    return fail(!earlier.empty() ? earlier : args.back() + " needs a value");
  } catch (const CLI::ParseError& error) {
    std::string earlier = p.first_unknown();
    return fail(!earlier.empty() ? earlier : std::string("cannot read the command line: ") + error.what());
  }
  if (std::string unknown = p.first_unknown(); !unknown.empty()) return fail(unknown);
  outcome.help = p.help || p.short_help_given();
  if (outcome.help) return outcome;
  for (const std::string& name : p.required) {
    if (!p.seen.count(name)) return fail(name + " is required");
  }
  return outcome;
}

bool parse_unsigned(std::string_view text, uint64_t& out) {
  if (text.empty() || text.front() == '-' || text.front() == '+') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool parse_finite_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  size_t used = 0;
  try {
    out = std::stod(text, &used);
  } catch (...) {
    return false;
  }
  return used == text.size() && std::isfinite(out);
}

std::string in_quotes(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out.append(text);
  out += '\'';
  return out;
}

CommandLine::ValueCheck backend_value(std::string& out) {
  return [&out](const std::string& v) -> std::string {
    if (v != "uring" && v != "asio" && v != "auto") return "--backend must be uring, asio or auto, got " + in_quotes(v);
    out = v;
    return {};
  };
}

}  // namespace rawkafka::tools
