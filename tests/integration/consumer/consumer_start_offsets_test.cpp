// Where an assignment starts: the earliest offset, the end (then only what is produced after
// assign() is read), a given offset, the first record at or after a time, and only the
// partitions asked for.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "consumer_reading.hpp"

namespace rt = rawkafka::testing;
using namespace rawkafka;
using namespace rawkafka::client;

namespace {

std::vector<std::string> numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> lines;
  for (int i = from; i < to; ++i) lines.push_back("key-" + std::to_string(i) + ":" + prefix + std::to_string(i));
  return lines;
}

}  // namespace

TEST_CASE("StartOffset::earliest reads every partition from its first offset to its end") {
  const std::string topic = rt::unique_topic("consumer-earliest");
  rt::create_test_topic(topic, 3);
  rt::kcat_produce(topic, numbered("v-", 0, 900));
  const rt::ReadOutcome read = rt::read_topic({}, rt::whole_topic(topic));
  rt::check_read_ok(read);
  REQUIRE(read.partitions.size() == 3);
  int64_t ends = 0;
  for (const AssignedPartition& p : read.partitions) {
    CHECK(p.start_offset == 0);
    ends += p.end_offset;
  }
  CHECK(ends == 900);
  CHECK(read.records.size() == 900);
  rt::check_dense_offsets(read);
}

TEST_CASE("StartOffset::latest reads none of what existed, only records produced after assign") {
  const std::string topic = rt::unique_topic("consumer-latest");
  rt::create_test_topic(topic, 3);
  rt::kcat_produce(topic, numbered("before-", 0, 300));

  Consumer consumer(rt::consumer_config({}));
  Assignment a;
  a.topic = topic;
  a.start = StartOffset::latest();
  ConsumeResult assigned = consumer.assign(a, std::chrono::seconds(30));
  INFO(assigned.error);
  REQUIRE(assigned.ok);
  int64_t starts = 0;
  for (const AssignedPartition& p : consumer.assigned(topic)) starts += p.start_offset;
  CHECK(starts == 300);  // the end of each partition

  // Written while run() runs: it has to pick them up as they arrive.
  std::atomic<bool> produced{false};
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const std::string path = rt::write_lines(topic, numbered("after-", 0, 100));
    rt::run_command("kcat -b " + rt::shell_quote(rt::bootstrap()) + " -m 60 -P -t " + topic + " -K: -X acks=all -l " +
                    rt::shell_quote(path) + " >/dev/null 2>&1");
    std::remove(path.c_str());
    produced = true;
  });
  rt::ReadOptions options;
  options.run.max_records = 100;
  rt::ReadOutcome read;
  read.assigned = assigned;
  read.partitions = consumer.assigned(topic);
  rt::run_into(consumer, options, read);
  writer.join();
  CHECK(produced);
  rt::check_read_ok(read);
  CHECK_FALSE(read.idle_timed_out);
  REQUIRE(read.records.size() == 100);
  std::set<std::string> values;
  for (const rt::SeenRecord& r : read.records) values.insert(r.value.value_or("(null)"));
  CHECK(values.size() == 100);
  CHECK(std::all_of(values.begin(), values.end(), [](const std::string& v) { return v.rfind("after-", 0) == 0; }));
  // Per partition: dense from where assign() put it.
  auto parts = rt::by_partition(read.records);
  for (const AssignedPartition& p : read.partitions) {
    CAPTURE(p.partition);
    int64_t expected = p.start_offset;
    for (const rt::SeenRecord* r : parts[p.partition]) CHECK(r->offset == expected++);
  }
}

TEST_CASE("StartOffset::at an offset in the middle reads from that offset on") {
  const std::string topic = rt::unique_topic("consumer-at");
  rt::create_test_topic(topic, 1);
  rt::kcat_produce(topic, numbered("v-", 0, 100));
  Assignment a = rt::whole_topic(topic);
  a.start = StartOffset::at(40);
  const rt::ReadOutcome read = rt::read_topic({}, a);
  rt::check_read_ok(read);
  REQUIRE(read.partitions.size() == 1);
  CHECK(read.partitions[0].start_offset == 40);
  CHECK(read.partitions[0].end_offset == 100);
  REQUIRE(read.records.size() == 60);
  rt::check_dense_offsets(read);
  // One partition, one producer: offset i holds record i.
  size_t wrong = 0;
  for (const rt::SeenRecord& r : read.records) wrong += r.value != "v-" + std::to_string(r.offset);
  CHECK(wrong == 0);
}

TEST_CASE("StartOffset::at_time starts each partition at its first record at or after the time") {
  const std::string topic = rt::unique_topic("consumer-at-time");
  rt::create_test_topic(topic, 2);
  rt::kcat_produce(topic, numbered("first-", 0, 200));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  rt::kcat_produce(topic, numbered("second-", 0, 200));

  // kcat stamps records itself (CreateTime): learn the second group's first timestamp.
  const rt::ReadOutcome all = rt::read_topic({}, rt::whole_topic(topic));
  rt::check_read_ok(all);
  REQUIRE(all.records.size() == 400);
  int64_t second_starts = INT64_MAX, first_ends = INT64_MIN;
  std::map<int32_t, int64_t> firsts_per_partition;
  for (const rt::SeenRecord& r : all.records) {
    if (r.value->rfind("second-", 0) == 0) {
      second_starts = std::min(second_starts, r.timestamp);
    } else {
      first_ends = std::max(first_ends, r.timestamp);
      ++firsts_per_partition[r.partition];
    }
  }
  REQUIRE(first_ends < second_starts);

  Assignment a = rt::whole_topic(topic);
  a.start = StartOffset::at_time(second_starts);
  const rt::ReadOutcome read = rt::read_topic({}, a);
  rt::check_read_ok(read);
  for (const AssignedPartition& p : read.partitions) {
    CAPTURE(p.partition);
    CHECK(p.start_offset == firsts_per_partition[p.partition]);
  }
  REQUIRE(read.records.size() == 200);
  rt::check_dense_offsets(read);
  size_t from_first = 0;
  for (const rt::SeenRecord& r : read.records) from_first += r.value->rfind("second-", 0) != 0;
  CHECK(from_first == 0);
}

TEST_CASE("StartOffset::at_time after the last record starts at the end and reads nothing") {
  const std::string topic = rt::unique_topic("consumer-at-time-late");
  rt::create_test_topic(topic, 2);
  rt::kcat_produce(topic, numbered("v-", 0, 100));
  Assignment a = rt::whole_topic(topic);
  const auto in_an_hour = std::chrono::system_clock::now() + std::chrono::hours(1);
  a.start = StartOffset::at_time(
      std::chrono::duration_cast<std::chrono::milliseconds>(in_an_hour.time_since_epoch()).count());
  const rt::ReadOutcome read = rt::read_topic({}, a);
  rt::check_read_ok(read);
  int64_t starts = 0;
  for (const AssignedPartition& p : read.partitions) {
    CHECK(p.start_offset == p.end_offset);
    starts += p.start_offset;
  }
  CHECK(starts == 100);
  CHECK(read.records.empty());
}

TEST_CASE("Assignment::partitions reads only the partitions it names") {
  const std::string topic = rt::unique_topic("consumer-subset");
  rt::create_test_topic(topic, 4);
  for (int p = 0; p < 4; ++p) {
    rt::kcat_produce(topic, numbered("p" + std::to_string(p) + "-", 0, 250), "-p " + std::to_string(p));
  }
  Assignment a = rt::whole_topic(topic);
  a.partitions = {3, 1};
  const rt::ReadOutcome read = rt::read_topic({}, a);
  rt::check_read_ok(read);
  REQUIRE(read.partitions.size() == 2);
  CHECK(read.partitions[0].partition == 1);
  CHECK(read.partitions[1].partition == 3);
  REQUIRE(read.records.size() == 500);
  rt::check_dense_offsets(read);
  size_t misplaced = 0;
  for (const rt::SeenRecord& r : read.records) {
    // (built by append: GCC 12 misreads `"p" + std::to_string(...)` here as an overlapping memcpy)
    const std::string expected =
        std::string("p").append(std::to_string(r.partition)).append("-").append(std::to_string(r.offset));
    misplaced += r.value != expected;
  }
  CHECK(misplaced == 0);
}
