// Checks our message codecs against franz-go's kmsg (tests/oracle/kmsg), an implementation we
// did not write. Both sides build the same fixtures (fixtures.cpp / fixtures.go):
//  - requests: our encoding equals kmsg's byte for byte, at every version both know;
//  - responses: kmsg's bytes decode to our fixture field for field (and re-encode identically);
//  - both: kmsg decodes what we encode and re-encodes it to the same bytes.
// `go` is required: without it this test fails (scripts/setup installs Go; RAWKAFKA_GO may
// name the binary).

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

#include "fixtures.hpp"
#include "integration.hpp"

using namespace rawkafka::protocol;
using rawkafka::protocol::fixtures::all_cases;
using rawkafka::testing::run_command;
using rawkafka::testing::shell_quote;
namespace fs = std::filesystem;

namespace {

// RAWKAFKA_GO names the go binary; else `go` on PATH, else the usual install places.
std::string find_go() {
  if (const char* env = std::getenv("RAWKAFKA_GO"); env && *env) {
    return access(env, X_OK) == 0 ? std::string(env) : std::string();
  }
  if (std::system("command -v go >/dev/null 2>&1") == 0) return "go";
  for (const char* p : {"/usr/local/go/bin/go", "/usr/lib/go/bin/go"}) {
    if (fs::exists(p)) return p;
  }
  return {};
}

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, const std::vector<uint8_t>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

std::string file_name(const std::string& api, const std::string& kind, int16_t v) {
  return api + "_" + kind + "_v" + std::to_string(v) + ".bin";
}

struct Oracle {
  std::string exe;
  fs::path work;
};

// Builds the Go program once per test run.
const Oracle& oracle() {
  static Oracle o = [] {
    Oracle r;
    std::string go = find_go();
    if (go.empty()) {
      FAIL("`go` is not installed: the franz-go kmsg oracle cannot run (run scripts/setup)");
    }
    r.exe = std::string(RAWKAFKA_KMSG_ORACLE_BUILD_DIR) + "/kmsg-oracle";
    std::string cmd = "cd " + shell_quote(RAWKAFKA_KMSG_ORACLE_DIR) + " && GOFLAGS=-mod=mod " +
                      shell_quote(go) + " build -o " + shell_quote(r.exe) + " .";
    auto built = run_command(cmd, true);
    if (built.exit_code != 0) {
      auto version = run_command(shell_quote(go) + " version", true);
      FAIL("building the kmsg oracle failed. franz-go kmsg v1.15.0 needs Go >= 1.26 (Go >= 1.21 "
           "downloads that toolchain from the module proxy by itself); "
           << version.output << built.output);
    }
    r.work = fs::path(RAWKAFKA_KMSG_ORACLE_BUILD_DIR) / ("kmsg-work-" + std::to_string(getpid()));
    fs::remove_all(r.work);
    fs::create_directories(r.work / "kmsg");
    fs::create_directories(r.work / "ours");
    fs::create_directories(r.work / "back");
    return r;
  }();
  return o;
}

// "<api> <min> <max>" lines the oracle wrote: the versions kmsg knows within our range.
std::map<std::string, std::pair<int, int>> covered_versions(const fs::path& dir) {
  std::map<std::string, std::pair<int, int>> out;
  std::ifstream in(dir / "versions.txt");
  std::string api;
  int lo = 0, hi = 0;
  while (in >> api >> lo >> hi) out[api] = {lo, hi};
  return out;
}

}  // namespace

TEST_CASE("kmsg encodes the fixtures exactly as we do; its responses decode to our fixtures") {
  const Oracle& o = oracle();
  auto run = run_command(shell_quote(o.exe) + " encode " + shell_quote((o.work / "kmsg").string()), true);
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);
  auto covered = covered_versions(o.work / "kmsg");
  int compared = 0;
  for (const auto& c : all_cases()) {
    REQUIRE(covered.count(c.api) == 1);
    auto [lo, hi] = covered[c.api];
    CHECK(lo == c.traits.min_version);
    if (hi < c.max_version) {
      MESSAGE(c.api << ": kmsg knows versions up to " << hi << ", we implement up to "
                    << c.max_version << "; the newer ones are not compared");
    }
    for (int16_t v = c.traits.min_version; v <= hi; ++v) {
      CAPTURE(c.api);
      CAPTURE(c.kind);
      CAPTURE(v);
      const fs::path path = o.work / "kmsg" / file_name(c.api, c.kind, v);
      REQUIRE(fs::exists(path));
      std::vector<uint8_t> theirs = read_file(path);
      std::vector<uint8_t> ours = c.codec.encode_fixture(v);
      if (c.kind == "request") {
        CHECK(ours == theirs);
      } else {
        std::vector<uint8_t> reencoded;
        std::string why;
        CHECK_MESSAGE(c.codec.decode_and_compare(theirs, v, reencoded, why), why);
        CHECK(reencoded == theirs);
        CHECK(ours == theirs);
      }
      ++compared;
    }
  }
  MESSAGE("compared " << compared << " message/version pairs with kmsg");
  CHECK(compared >= 2 * (11 + 15 + 11 + 14 + 2 + 6 + 6 + 6 + 3));
}

TEST_CASE("kmsg decodes what we encode and re-encodes the same bytes") {
  const Oracle& o = oracle();
  int written = 0;
  for (const auto& c : all_cases()) {
    for (int16_t v = c.traits.min_version; v <= c.max_version; ++v) {
      write_file(o.work / "ours" / file_name(c.api, c.kind, v), c.codec.encode_fixture(v));
      ++written;
    }
  }
  auto run = run_command(shell_quote(o.exe) + " reencode " + shell_quote((o.work / "ours").string()) +
                             " " + shell_quote((o.work / "back").string()),
                         true);
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);
  for (const auto& c : all_cases()) {
    for (int16_t v = c.traits.min_version; v <= c.max_version; ++v) {
      CAPTURE(c.api);
      CAPTURE(c.kind);
      CAPTURE(v);
      CHECK(read_file(o.work / "back" / file_name(c.api, c.kind, v)) ==
            read_file(o.work / "ours" / file_name(c.api, c.kind, v)));
    }
  }
  CHECK(written > 0);
  fs::remove_all(o.work);
}
