// The producer against a 3-broker cluster: partitions led by different brokers all receive
// their records (each batch goes to its partition's leader).

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration.hpp"
#include "rawkafka/client/admin.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/client/producer.hpp"

namespace rt = rawkafka::testing;
using namespace rawkafka;
using namespace rawkafka::client;

TEST_CASE("records for partitions led by three different brokers all reach their leaders") {
  const std::string bootstrap = rt::cluster_bootstrap();
  const std::string topic = rt::unique_topic("producer-cluster");
  AdminResult created = create_topic(parse_endpoints(bootstrap), topic, 9, 1, std::chrono::seconds(60));
  INFO(created.message);
  REQUIRE(created.ok());
  TopicDescription desc;
  REQUIRE(describe_topic(parse_endpoints(bootstrap), topic, desc, std::chrono::seconds(30)).ok());
  std::set<int32_t> leaders;
  for (const auto& p : desc.partitions) leaders.insert(p.leader);
  REQUIRE(leaders.size() >= 2);  // the routing is actually exercised

  for (const char* threads : {"1", "2"}) {
    CAPTURE(threads);
    const std::string t = topic;
    Producer producer(ProducerConfig::from_properties(
        {{"bootstrap.servers", bootstrap}, {"threads", threads}, {"request.timeout.ms", "15000"}}));
    const int n = 9000;
    for (int i = 0; i < n; ++i) {
      std::string v = std::string("t") + threads + "-" + std::to_string(i);
      OutgoingRecord r;
      r.topic = t;
      r.partition = i % 9;
      r.value = protocol::Bytes{reinterpret_cast<const uint8_t*>(v.data()), v.size()};
      REQUIRE(producer.produce(r) == ProduceStatus::queued);
    }
    REQUIRE(producer.flush(std::chrono::seconds(60)));
    ProducerStats st = producer.stats();
    INFO(st.last_error);
    CHECK(st.records_acked == uint64_t(n));
    CHECK(st.records_failed == 0);
  }

  auto r = rt::run_command("kcat -b " + rt::shell_quote(bootstrap) + " -C -t " + rt::shell_quote(topic) +
                           " -o beginning -e -q -X check.crcs=true -f '%p %s\\n'");
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.output);
  std::string line;
  std::map<std::string, int> count_per_prefix;
  int misplaced = 0;
  while (std::getline(in, line)) {
    size_t sp = line.find(' ');
    int p = std::stoi(line.substr(0, sp));
    std::string v = line.substr(sp + 1);
    size_t dash = v.find('-');
    int i = std::stoi(v.substr(dash + 1));
    if (i % 9 != p) ++misplaced;
    ++count_per_prefix[v.substr(0, dash)];
  }
  CHECK(misplaced == 0);
  CHECK(count_per_prefix["t1"] == 9000);
  CHECK(count_per_prefix["t2"] == 9000);
}
