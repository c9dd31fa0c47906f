// murmur2 against Kafka's own test vectors and the Java client itself; sticky and round-robin
// partition choice.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "integration.hpp"
#include "rawkafka/client/partitioner.hpp"

using rawkafka::client::murmur2;
using rawkafka::client::partition_for_key;
using rawkafka::protocol::Bytes;

namespace {
Bytes bytes_of(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Finds the first file under `root` whose name starts with `prefix` and ends in ".jar".
std::string find_jar(const std::filesystem::path& root, const std::string& prefix) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(root, ec)) return {};
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".jar" &&
        name.find("sources") == std::string::npos && name.find("test") == std::string::npos) {
      return it->path().string();
    }
  }
  return {};
}

// A class path with kafka-clients and slf4j-api (Utils logs through it): the jars that
// scripts/kafka-local caches, else the local Maven repository.
std::string kafka_clients_class_path() {
  namespace fs = std::filesystem;
  std::string clients = find_jar(fs::path(RAWKAFKA_TEST_SOURCE_DIR) / ".cache" / "kafka", "kafka-clients-");
  if (!clients.empty()) {
    std::string slf4j = find_jar(fs::path(clients).parent_path(), "slf4j-api-");
    if (!slf4j.empty()) return clients + ":" + slf4j;
  }
  const char* home = std::getenv("HOME");
  if (!home) return {};
  fs::path m2 = fs::path(home) / ".m2" / "repository";
  clients = find_jar(m2 / "org/apache/kafka/kafka-clients", "kafka-clients-");
  std::string slf4j = find_jar(m2 / "org/slf4j/slf4j-api", "slf4j-api-");
  if (clients.empty() || slf4j.empty()) return {};
  return clients + ":" + slf4j;
}
}  // namespace

TEST_CASE("murmur2 matches Kafka's UtilsTest vectors") {
  // clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
  CHECK(murmur2(bytes_of("21")) == -973932308);
  CHECK(murmur2(bytes_of("foobar")) == -790332482);
  CHECK(murmur2(bytes_of("a-little-bit-long-string")) == -985981536);
  CHECK(murmur2(bytes_of("a-little-bit-longer-string")) == -1486304829);
  CHECK(murmur2(bytes_of("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")) == -58897971);
  CHECK(murmur2(bytes_of("abc")) == 479470107);
}

TEST_CASE("partition_for_key is toPositive(murmur2) % n") {
  // murmur2("21") = -973932308; & 0x7fffffff = 1173551340.
  CHECK(partition_for_key(bytes_of("21"), 8) == int32_t(1173551340 % 8));
  CHECK(partition_for_key(bytes_of("abc"), 7) == 479470107 % 7);
  for (int n = 1; n < 50; ++n) {
    int32_t p = partition_for_key(bytes_of("key-" + std::to_string(n)), n);
    CHECK(p >= 0);
    CHECK(p < n);
  }
}

TEST_CASE("murmur2 agrees with the Java client's Utils.murmur2 on 1000 random keys") {
  std::string jar = kafka_clients_class_path();
  if (jar.empty() || std::system("java -version >/dev/null 2>&1") != 0) {
    // The integration suite (which fetches the jars) runs this comparison unconditionally.
    MESSAGE("kafka-clients/slf4j-api jars or java not found; Java oracle comparison skipped here");
    return;
  }
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("rawkafka-murmur2-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream java(dir / "Murmur2Oracle.java");
    java << "import java.io.*;\n"
            "public class Murmur2Oracle {\n"
            "  public static void main(String[] a) throws Exception {\n"
            "    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));\n"
            "    StringBuilder out = new StringBuilder();\n"
            "    for (String line; (line = in.readLine()) != null;) {\n"
            "      byte[] b = new byte[line.length() / 2];\n"
            "      for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(line.substring(2 * i, 2 * i + 2), 16);\n"
            "      out.append(org.apache.kafka.common.utils.Utils.murmur2(b)).append('\\n');\n"
            "    }\n"
            "    System.out.print(out);\n"
            "  }\n"
            "}\n";
  }
  std::mt19937_64 rng(12345);
  std::vector<std::vector<uint8_t>> keys;
  {
    std::ofstream in(dir / "keys.txt");
    for (int i = 0; i < 1000; ++i) {
      std::vector<uint8_t> key(rng() % 64);  // 0..63 bytes: every tail length, empty included
      for (auto& b : key) b = uint8_t(rng());
      static const char* hex = "0123456789abcdef";
      std::string line;
      for (uint8_t b : key) {
        line += hex[b >> 4];
        line += hex[b & 15];
      }
      in << line << "\n";
      keys.push_back(std::move(key));
    }
  }
  auto r = rawkafka::testing::run_command(
      "java -cp " + rawkafka::testing::shell_quote(jar) + " " +
      rawkafka::testing::shell_quote((dir / "Murmur2Oracle.java").string()) + " < " +
      rawkafka::testing::shell_quote((dir / "keys.txt").string()));
  fs::remove_all(dir);
  REQUIRE(r.exit_code == 0);
  std::vector<int32_t> expected;
  size_t pos = 0;
  while (pos < r.output.size()) {
    size_t nl = r.output.find('\n', pos);
    if (nl == std::string::npos) nl = r.output.size();
    expected.push_back(int32_t(std::stol(r.output.substr(pos, nl - pos))));
    pos = nl + 1;
  }
  REQUIRE(expected.size() == keys.size());
  int mismatches = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (murmur2(Bytes(keys[i])) != expected[i]) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("sticky partitioner stays until its batch closes, then moves to another partition") {
  rawkafka::client::StickyPartitioner sticky(42);
  sticky.set_partition_count(8);
  int32_t first = sticky.partition();
  CHECK(first >= 0);
  CHECK(first < 8);
  for (int i = 0; i < 100; ++i) CHECK(sticky.partition() == first);
  // A batch closing on another partition changes nothing.
  sticky.on_batch_closed((first + 1) % 8);
  CHECK(sticky.partition() == first);
  std::set<int32_t> seen{first};
  int32_t previous = first;
  for (int i = 0; i < 400; ++i) {
    sticky.on_batch_closed(previous);
    int32_t now = sticky.partition();
    CHECK(now != previous);
    seen.insert(now);
    previous = now;
  }
  CHECK(seen.size() == 8);  // every partition gets batches
}

TEST_CASE("sticky partitioner picks only from the partitions it is given") {
  rawkafka::client::StickyPartitioner sticky(7);
  std::vector<int32_t> owned = {1, 5, 6};
  sticky.set_partitions(owned);
  for (int i = 0; i < 100; ++i) {
    int32_t p = sticky.partition();
    CHECK((p == 1 || p == 5 || p == 6));
    sticky.next();
  }
  std::vector<int32_t> one = {3};
  sticky.set_partitions(one);
  sticky.next();
  CHECK(sticky.partition() == 3);
  sticky.set_partitions({});
  CHECK(sticky.partition() == -1);
}

TEST_CASE("round-robin partitioner cycles through its partitions") {
  rawkafka::client::RoundRobinPartitioner rr;
  rr.set_partition_count(3);
  CHECK(rr.partition() == 0);
  CHECK(rr.partition() == 1);
  CHECK(rr.partition() == 2);
  CHECK(rr.partition() == 0);
  rr.set_partitions({});
  CHECK(rr.partition() == -1);
}
