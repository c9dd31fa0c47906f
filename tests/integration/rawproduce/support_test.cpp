// The client support pieces against the real broker: BrokerChannel's negotiation and its
// error sentences, admin's CreateTopics/Metadata, and the fetcher reading back records that an
// independent producer (kcat, i.e. librdkafka) wrote with every codec.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>

#include "integration.hpp"
#include "rawkafka/client/admin.hpp"
#include "rawkafka/client/broker_channel.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/client/fetcher.hpp"
#include "rawkafka/protocol/messages/metadata.hpp"

using namespace rawkafka;
using namespace std::chrono_literals;
using rawkafka::testing::bootstrap;
using rawkafka::testing::run_command;
using rawkafka::testing::shell_quote;
using rawkafka::testing::unique_topic;

namespace {
std::vector<io::Endpoint> endpoints() { return client::parse_endpoints(bootstrap()); }

std::string text(std::optional<protocol::Bytes> b) {
  return b ? std::string(reinterpret_cast<const char*>(b->data()), b->size()) : std::string("<null>");
}
}  // namespace

TEST_CASE("BrokerChannel connects, negotiates versions and answers Metadata") {
  auto reactor = io::Reactor::create();
  client::BrokerChannel channel(*reactor, endpoints().front());
  client::ChannelStatus st = channel.connect();
  REQUIRE_MESSAGE(st.ok(), st.message);
  CHECK(channel.broker_versions().size() > 10);
  auto produce = channel.version_for(protocol::ApiKey::produce);
  REQUIRE(produce.has_value());
  CHECK(*produce >= 3);  // never below v3, whatever the broker lists
  protocol::MetadataRequest request;
  request.topics = std::vector<protocol::MetadataRequest::Topic>{};
  protocol::MetadataResponse response;
  st = channel.call(request, response, 5000ms);
  REQUIRE_MESSAGE(st.ok(), st.message);
  REQUIRE_FALSE(response.brokers.empty());
  CHECK(response.brokers.front().port > 0);
}

TEST_CASE("BrokerChannel reports a refused connection naming the address") {
  auto reactor = io::Reactor::create();
  client::BrokerChannel channel(*reactor, io::Endpoint{"127.0.0.1", 1});
  client::ChannelStatus st = channel.connect();
  CHECK(st.error == client::ChannelError::connect_failed);
  CHECK(st.message.find("127.0.0.1:1") != std::string::npos);
}

TEST_CASE("BrokerChannel times out, naming the address, when the peer never answers") {
  // A listening socket that accepts connections (in the kernel backlog) and never replies.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const uint16_t port = ntohs(addr.sin_port);

  auto reactor = io::Reactor::create();
  client::BrokerChannelOptions options;
  options.connect_timeout = 2000ms;
  options.request_timeout = 700ms;
  client::BrokerChannel channel(*reactor, io::Endpoint{"127.0.0.1", port}, options);
  const auto start = std::chrono::steady_clock::now();
  client::ChannelStatus st = channel.connect();
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  CHECK(st.error == client::ChannelError::timed_out);
  CHECK(st.message == "no ApiVersions response from 127.0.0.1:" + std::to_string(port) + " within 700 ms");
  CHECK(took >= 650ms);
  CHECK(took < 3000ms);
}

TEST_CASE("create_topic creates with leaders; a second create says it exists; describe tells unknown topics") {
  const std::string topic = unique_topic("support-admin");
  client::AdminResult r = client::create_topic(endpoints(), topic, 3, 1, 30000ms);
  REQUIRE_MESSAGE(r.ok(), r.message);
  client::TopicDescription d;
  r = client::describe_topic(endpoints(), topic, d, 10000ms);
  REQUIRE_MESSAGE(r.ok(), r.message);
  REQUIRE(d.partitions.size() == 3);
  CHECK(d.all_partitions_have_leaders());
  for (int i = 0; i < 3; ++i) CHECK(d.partitions[size_t(i)].partition == i);
  CHECK(d.broker(d.partitions[0].leader) != nullptr);
  CHECK_FALSE(d.topic_id.is_zero());

  r = client::create_topic(endpoints(), topic, 3, 1, 30000ms);
  CHECK(r.error == client::AdminError::topic_already_exists);
  CHECK(r.message == "topic '" + topic + "' already exists");

  r = client::describe_topic(endpoints(), topic + "-nope", d, 10000ms);
  CHECK(r.error == client::AdminError::unknown_topic);
  CHECK(r.message == "topic '" + topic + "-nope' does not exist");

  r = client::create_topic(endpoints(), unique_topic("support-bad-rf"), 1, 3, 30000ms);
  CHECK(r.error == client::AdminError::broker_error);
  CHECK(r.message.find("INVALID_REPLICATION_FACTOR") != std::string::npos);
}

TEST_CASE("the fetcher reads back what kcat produced, with every codec") {
  for (const char* codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    CAPTURE(codec);
    const std::string topic = unique_topic(std::string("support-fetch-") + codec);
    REQUIRE(client::create_topic(endpoints(), topic, 3, 1, 30000ms).ok());
    const std::string file = "/tmp/" + topic + ".txt";
    {
      std::ofstream out(file);
      for (int i = 0; i < 3000; ++i) out << "k" << i << ":value-" << i << "-" << std::string(size_t(i % 50), 'x') << "\n";
    }
    auto produced = run_command("kcat -P -b " + shell_quote(bootstrap()) + " -t " + shell_quote(topic) +
                                    " -K : -z " + codec + " -X linger.ms=20 < " + shell_quote(file),
                                true);
    std::remove(file.c_str());
    REQUIRE_MESSAGE(produced.exit_code == 0, produced.output);

    client::Fetcher fetcher(endpoints());
    std::vector<client::PartitionOffsets> offsets;
    REQUIRE(fetcher.list_offsets(topic, offsets).ok());
    REQUIRE(offsets.size() == 3);
    int64_t listed = 0;
    for (const auto& o : offsets) {
      CHECK(o.earliest == 0);
      listed += o.latest - o.earliest;
    }
    CHECK(listed == 3000);

    std::map<std::string, std::string> seen;
    std::map<int32_t, int64_t> next_offset;
    long bad_order = 0;
    client::FetchSummary summary;
    client::AdminResult r = fetcher.consume_all(
        topic,
        [&](const client::ConsumedRecord& rec) {
          if (rec.offset != next_offset[rec.partition]) ++bad_order;
          next_offset[rec.partition] = rec.offset + 1;
          seen[text(rec.key)] = text(rec.value);
        },
        60000ms, &summary);
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(summary.records == 3000);
    CHECK(bad_order == 0);
    REQUIRE(seen.size() == 3000);
    for (int i : {0, 1, 1234, 2999}) {
      std::string key = std::string("k").append(std::to_string(i));
      std::string value = std::string("value-").append(std::to_string(i)).append("-").append(size_t(i % 50), 'x');
      CHECK(seen[key] == value);
    }
  }
}
