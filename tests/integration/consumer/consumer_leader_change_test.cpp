// The Consumer on the 3-broker test cluster while the leader of a partition is stopped mid-read:
// the partitions it led move to their new leaders and every record is still read exactly once.
// The node is started again afterwards (however the test ends), on its data, so the tests after
// this one find the cluster whole.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>

#include "consumer_reading.hpp"

namespace rt = rawkafka::testing;
using namespace rawkafka;
using namespace rawkafka::client;

namespace {

using Clock = std::chrono::steady_clock;

// Every node of the cluster: RAWKAFKA_CLUSTER_BOOTSTRAP names the first, the others follow it.
std::string all_nodes(uint16_t first_port) {
  std::string list;
  for (int i = 0; i < 3; ++i) list += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(first_port + i);
  return list;
}

// One node of scripts/kafka-local's cluster instance, stopped as `kafka-local stop` stops a
// node (SIGTERM: a controlled shutdown) and started again with the very command line
// kafka-local gave it, so that `kafka-local stop` still knows it by its pid file.
class ClusterNode {
 public:
  ClusterNode(uint16_t first_port, int index)
      : dir_(rt::source_dir() + "/.cache/kafka-local/cluster-" + std::to_string(first_port) + "/node-" +
             std::to_string(index)),
        saved_command_("/tmp/consumer-leader-change-" + std::to_string(::getpid()) + ".cmdline") {
    std::ifstream pid_file(dir_ + "/kafka.pid");
    pid_file >> pid_;
    std::ifstream cmdline("/proc/" + std::to_string(pid_) + "/cmdline", std::ios::binary);
    command_.assign(std::istreambuf_iterator<char>(cmdline), std::istreambuf_iterator<char>());
  }
  ~ClusterNode() {
    if (stopped_) start();
    std::remove(saved_command_.c_str());
  }
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  bool known() const { return pid_ > 0 && command_.find("kafka.Kafka") != std::string::npos; }

  // SIGTERM, then waits for the process to be gone; false if it still runs after `timeout`.
  bool stop(std::chrono::seconds timeout) {
    if (::kill(pid_, SIGTERM) != 0) return false;
    stopped_ = true;
    const auto deadline = Clock::now() + timeout;
    while (::kill(pid_, 0) == 0) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  // Starts the node again; true once the new process runs the saved command line.
  bool start() {
    // Never a second broker beside one that is still shutting down (it would take the pid file).
    for (const auto deadline = Clock::now() + std::chrono::seconds(60); ::kill(pid_, 0) == 0;) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    {
      std::ofstream out(saved_command_, std::ios::binary);
      out << command_;
    }
    // As kafka-local's start_node: in the node's folder, its own session, output to its log.
    auto r = rt::run_command("cd " + rt::shell_quote(dir_) + " && bash -c 'mapfile -d \"\" args < " +
                             saved_command_ + "; exec setsid \"${args[@]}\"' >logs/stdout.log 2>&1 </dev/null & " +
                             "echo $! >" + rt::shell_quote(dir_ + "/kafka.pid"));
    if (r.exit_code != 0) return false;
    std::ifstream pid_file(dir_ + "/kafka.pid");
    pid_t pid = -1;
    pid_file >> pid;
    // The saved command line is read once the shell has exec'd into the broker.
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
      if (std::string(std::istreambuf_iterator<char>(cmdline), std::istreambuf_iterator<char>()) == command_) {
        stopped_ = false;
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  std::string dir_;
  std::string saved_command_;
  pid_t pid_ = -1;
  std::string command_;  // /proc/<pid>/cmdline: NUL-separated arguments
  bool stopped_ = false;
};

// Waits until every partition of `topic` has all three replicas in sync again.
bool cluster_whole(const std::string& servers, const std::string& topic, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    TopicDescription d;
    if (describe_topic(parse_endpoints(servers), topic, d, std::chrono::seconds(5)).ok() && d.brokers.size() == 3 &&
        d.all_partitions_have_leaders() &&
        std::all_of(d.partitions.begin(), d.partitions.end(), [](const auto& p) { return p.isr.size() == 3; })) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

}  // namespace

TEST_CASE("a leader stopped mid-read: the consumer follows the new leader and reads every record exactly once") {
  const std::vector<io::Endpoint> first = parse_endpoints(rt::cluster_bootstrap());
  REQUIRE(first.size() >= 1);
  const uint16_t first_port = first[0].port;
  const std::string servers = all_nodes(first_port);
  const std::string topic = rt::unique_topic("consumer-leader-change");
  const long n = 300000;
  rt::create_test_topic(topic, 3, servers, 3);
  // Small batches: the read below goes a batch per partition per fetch.
  rt::rawproduce_verified(topic, n, 3, "acks=all linger.ms=5 batch.size=16384", "", servers, 3);

  TopicDescription d;
  AdminResult described = describe_topic(parse_endpoints(servers), topic, d, std::chrono::seconds(30));
  INFO(described.message);
  REQUIRE(described.ok());
  REQUIRE(d.partitions.size() == 3);
  const BrokerAddress* leader = d.broker(d.partitions[0].leader);
  REQUIRE(leader != nullptr);
  const int index = int(leader->endpoint.port) - int(first_port);
  REQUIRE(index >= 0);
  REQUIRE(index < 3);
  CAPTURE(index);

  // A reader that takes 4 ms over each batch: about 2,500 batches make the read last ~10 s.
  Consumer consumer(rt::consumer_config({{"max.partition.fetch.bytes", "16384"},
                                         {"fetch.max.wait.ms", "100"},
                                         {"retry.backoff.ms", "100"},
                                         {"reconnect.backoff.max.ms", "500"}},
                                        servers));
  ConsumeResult assigned = consumer.assign(rt::whole_topic(topic), std::chrono::seconds(30));
  INFO(assigned.error);
  REQUIRE(assigned.ok);
  rt::ReadOutcome read;
  read.assigned = assigned;
  read.partitions = consumer.assigned(topic);
  rt::ReadOptions options;
  options.contents = false;
  options.per_batch_delay = std::chrono::milliseconds(4);
  options.run.idle_timeout = std::chrono::seconds(60);

  {
    ClusterNode node(first_port, index);
    REQUIRE(node.known());
    std::thread reader([&] { rt::run_into(consumer, options, read); });
    // Stop the leader once a twentieth of the records is read.
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (consumer.stats().records < uint64_t(n / 20) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const uint64_t before = consumer.stats().records;
    const bool stopped = node.stop(std::chrono::seconds(60));
    const uint64_t after = consumer.stats().records;
    reader.join();
    CAPTURE(before);
    CAPTURE(after);
    CHECK(stopped);
    CHECK(before >= uint64_t(n / 20));
    CHECK(after < uint64_t(n));  // the leader went away while the read went on
    CHECK(node.start());  // (or ~ClusterNode, however this block ends)
  }

  CHECK(cluster_whole(servers, topic, std::chrono::seconds(120)));

  rt::check_read_ok(read);
  CHECK(read.stats.leader_changes >= 1);
  REQUIRE(read.records.size() == size_t(n));
  std::set<std::pair<int32_t, int64_t>> positions;
  for (const rt::SeenRecord& r : read.records) positions.insert({r.partition, r.offset});
  CHECK(positions.size() == size_t(n));
  rt::check_dense_offsets(read);
  rt::check_sequences_once(read.records, n);
}
