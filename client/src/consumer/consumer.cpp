#include "rawkafka/client/consumer.hpp"

#include <algorithm>
#include <map>
#include <thread>

#include "../list_offsets.hpp"
#include "fetch_core.hpp"
#include "rawkafka/client/admin.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/list_offsets.hpp"

namespace rawkafka::client {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : milliseconds(1);
}

std::string partition_name(const std::string& topic, int32_t partition) {
  return topic + "-" + std::to_string(partition);
}
}  // namespace

struct Consumer::Impl {
  ConsumerConfig config;
  std::shared_ptr<io::TlsContext> tls;
  struct Topic {
    detail::ConsumerTopic topic;
    std::vector<AssignedPartition> partitions;
    std::vector<int32_t> leaders, epochs;  // per entry of partitions
  };
  std::vector<Topic> topics;
  std::map<int32_t, io::Endpoint> brokers;
  std::vector<std::unique_ptr<detail::CoreCounters>> counters;
  std::unique_ptr<detail::ConsumerRun> current;  // while run() runs
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> idle_timed_out{false};
  std::string last_error;
};

Consumer::Consumer(ConsumerConfig config) : impl_(std::make_unique<Impl>()) {
  config.validate();
  impl_->config = std::move(config);
  try {
    impl_->tls = make_tls_context(impl_->config.security);
  } catch (const std::exception& e) {
    throw ConfigError(e.what());
  }
  for (unsigned i = 0; i < impl_->config.threads; ++i) {
    impl_->counters.push_back(std::make_unique<detail::CoreCounters>());
  }
}

Consumer::~Consumer() = default;

const ConsumerConfig& Consumer::config() const { return impl_->config; }

ConsumeResult Consumer::assign(const Assignment& assignment, std::chrono::milliseconds timeout) {
  const ConsumerConfig& config = impl_->config;
  const auto deadline = Clock::now() + timeout;
  AdminClient admin(config.bootstrap_endpoints(), detail::admin_options(config));
  TopicDescription d;
  // A topic that does not exist is said so at once (wait_for_leaders would wait for it).
  if (AdminResult r = admin.describe(assignment.topic, d, left_until(deadline)); !r.ok()) {
    return ConsumeResult::failure(r.message);
  }
  if (!d.all_partitions_have_leaders()) {
    if (AdminResult r = admin.wait_for_leaders(assignment.topic, 1, left_until(deadline), &d); !r.ok()) {
      return ConsumeResult::failure(r.message);
    }
  }
  for (const BrokerAddress& b : d.brokers) impl_->brokers[b.node_id] = b.endpoint;

  std::vector<int32_t> wanted = assignment.partitions;
  if (wanted.empty()) {
    for (const PartitionDescription& p : d.partitions) wanted.push_back(p.partition);
  }
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  for (int32_t p : wanted) {
    if (p < 0 || p >= int32_t(d.partitions.size())) {
      return ConsumeResult::failure("topic '" + d.name + "' has " + std::to_string(d.partitions.size()) +
                                    " partitions (0 to " + std::to_string(int64_t(d.partitions.size()) - 1) +
                                    "); there is no partition " + std::to_string(p));
    }
  }

  Impl::Topic topic;
  topic.topic = {d.name, d.topic_id};
  std::map<int32_t, int64_t> earliest, latest, at_time;
  std::map<int32_t, std::vector<int32_t>> groups;
  for (int32_t p : wanted) groups[d.partitions[size_t(p)].leader].push_back(p);
  detail::LeaderChannels leaders(*admin.reactor(), detail::channel_options(config));
  for (const auto& [node, partitions] : groups) {
    AdminResult r;
    BrokerChannel* channel = leaders.get(d, node, r);
    if (!channel) return ConsumeResult::failure(r.message);
    if (r = detail::list_earliest_and_latest(*channel, d.name, partitions, earliest, latest, left_until(deadline));
        !r.ok()) {
      return ConsumeResult::failure(r.message);
    }
    if (assignment.start.kind == StartOffset::Kind::timestamp) {
      if (r = detail::list_offsets_on(*channel, d.name, partitions, assignment.start.value, at_time, left_until(deadline));
          !r.ok()) {
        return ConsumeResult::failure(r.message);
      }
    }
  }

  for (int32_t p : wanted) {
    AssignedPartition a;
    a.partition = p;
    a.end_offset = latest[p];
    switch (assignment.start.kind) {
      case StartOffset::Kind::earliest: a.start_offset = earliest[p]; break;
      case StartOffset::Kind::latest: a.start_offset = latest[p]; break;
      case StartOffset::Kind::timestamp:
        // No record at or after the time: start at the end (what Java's offsetsForTimes
        // leaves a consumer to do).
        a.start_offset = at_time[p] >= 0 ? at_time[p] : latest[p];
        break;
      case StartOffset::Kind::offset: {
        const int64_t o = assignment.start.value;
        if (o < earliest[p] || o > latest[p]) {
          if (config.auto_offset_reset == OffsetReset::none) {
            return ConsumeResult::failure("offset " + std::to_string(o) + " is out of range for " +
                                          partition_name(d.name, p) + ", which holds offsets " +
                                          std::to_string(earliest[p]) + " to " + std::to_string(latest[p] - 1) +
                                          " (auto.offset.reset=none)");
          }
          a.start_offset = config.auto_offset_reset == OffsetReset::earliest ? earliest[p] : latest[p];
        } else {
          a.start_offset = o;
        }
        break;
      }
    }
    if (!assignment.stop_at_end) a.end_offset = INT64_MAX;
    a.core = int32_t(unsigned(p) % config.threads);
    topic.partitions.push_back(a);
    topic.leaders.push_back(d.partitions[size_t(p)].leader);
    topic.epochs.push_back(d.partitions[size_t(p)].leader_epoch);
  }
  // A second assign() of the same topic replaces the first.
  impl_->topics.erase(std::remove_if(impl_->topics.begin(), impl_->topics.end(),
                                     [&](const Impl::Topic& t) { return t.topic.name == d.name; }),
                      impl_->topics.end());
  impl_->topics.push_back(std::move(topic));
  return {};
}

const std::vector<AssignedPartition>& Consumer::assigned(std::string_view topic) const {
  static const std::vector<AssignedPartition> none;
  for (const Impl::Topic& t : impl_->topics) {
    if (t.topic.name == topic) return t.partitions;
  }
  return none;
}

ConsumeResult Consumer::run(const std::function<std::unique_ptr<ConsumerHandler>(unsigned core)>& make_handler,
                            const RunOptions& options) {
  Impl& impl = *impl_;
  const ConsumerConfig& config = impl.config;
  if (impl.topics.empty()) return ConsumeResult::failure("nothing is assigned: call assign() first");
  auto run = std::make_unique<detail::ConsumerRun>(config);
  run->bootstrap = config.bootstrap_endpoints();
  run->tls = impl.tls;
  if (options.max_records) run->budget.store(int64_t(std::min<uint64_t>(options.max_records, INT64_MAX)));
  std::vector<std::vector<detail::CorePartition>> shards(config.threads);
  for (uint32_t ti = 0; ti < impl.topics.size(); ++ti) {
    const Impl::Topic& t = impl.topics[ti];
    run->topics.push_back(t.topic);
    for (size_t i = 0; i < t.partitions.size(); ++i) {
      detail::CorePartition p;
      p.topic = ti;
      p.partition = t.partitions[i].partition;
      p.position = t.partitions[i].start_offset;
      p.end = t.partitions[i].end_offset;
      p.leader = t.leaders[i];
      p.leader_epoch = t.epochs[i];
      shards[size_t(t.partitions[i].core)].push_back(p);
    }
  }
  impl.idle_timed_out = false;
  run->stop.store(impl.stop_requested.load());
  run->last_record_ns.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                detail::ConsumerClock::now().time_since_epoch())
                                .count());
  detail::ConsumerRun& shared = *run;
  impl.current = std::move(run);

  std::vector<std::string> failures(config.threads);
  std::atomic<unsigned> running{config.threads};
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < config.threads; ++i) {
    threads.emplace_back([&, i] {
      io::pin_current_thread(config.core_for_thread(i));
      std::unique_ptr<ConsumerHandler> handler = make_handler(i);
      ConsumerHandler fallback;
      try {
        detail::FetchCore core(i, shared, std::move(shards[i]), impl.brokers, *impl.counters[i]);
        failures[i] = core.run(handler ? *handler : fallback);
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
      running.fetch_sub(1);
    });
  }
  // The caller's thread watches the idle timeout and the record limit.
  while (running.load() > 0) {
    std::this_thread::sleep_for(milliseconds(5));
    if (impl.stop_requested.load()) shared.stop.store(true);
    if (options.max_records && shared.budget.load(std::memory_order_relaxed) <= 0) shared.stop.store(true);
    if (options.idle_timeout.count() > 0) {
      const int64_t idle = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               detail::ConsumerClock::now().time_since_epoch())
                               .count() -
                           shared.last_record_ns.load(std::memory_order_relaxed);
      if (idle > std::chrono::duration_cast<std::chrono::nanoseconds>(options.idle_timeout).count()) {
        impl.idle_timed_out = true;
        shared.stop.store(true);
      }
    }
  }
  for (std::thread& t : threads) t.join();
  {
    std::lock_guard lock(shared.error_mutex);
    impl.last_error = shared.last_error;
  }
  impl.current.reset();
  for (const std::string& f : failures) {
    if (!f.empty()) return ConsumeResult::failure(f);
  }
  return {};
}

void Consumer::stop() {
  impl_->stop_requested.store(true);
}

bool Consumer::idle_timed_out() const { return impl_->idle_timed_out.load(); }

ConsumerStats Consumer::stats() const {
  ConsumerStats s;
  for (const auto& c : impl_->counters) {
    s.records += c->records.load(std::memory_order_relaxed);
    s.record_bytes += c->record_bytes.load(std::memory_order_relaxed);
    s.batch_bytes += c->batch_bytes.load(std::memory_order_relaxed);
    s.batches += c->batches.load(std::memory_order_relaxed);
    s.fetches += c->fetches.load(std::memory_order_relaxed);
    s.incremental_fetches += c->incremental_fetches.load(std::memory_order_relaxed);
    s.empty_fetches += c->empty_fetches.load(std::memory_order_relaxed);
    s.fetch_bytes += c->fetch_bytes.load(std::memory_order_relaxed);
    s.corrupt_batches += c->corrupt_batches.load(std::memory_order_relaxed);
    s.undecodable_batches += c->undecodable_batches.load(std::memory_order_relaxed);
    s.leader_changes += c->leader_changes.load(std::memory_order_relaxed);
    s.offset_resets += c->offset_resets.load(std::memory_order_relaxed);
    s.session_resets += c->session_resets.load(std::memory_order_relaxed);
    s.reconnects += c->reconnects.load(std::memory_order_relaxed);
    s.log_truncations += c->log_truncations.load(std::memory_order_relaxed);
    s.fetch_version = std::max(s.fetch_version, c->fetch_version.load(std::memory_order_relaxed));
    const int backend = c->backend.load(std::memory_order_relaxed);
    if (backend >= 0) s.backend = std::string(io::to_string(io::Backend(backend)));
  }
  s.security = std::string(to_string(impl_->config.security.protocol));
  if (impl_->config.security.uses_sasl() && impl_->config.security.sasl_mechanism) {
    s.security += ", " + std::string(to_string(*impl_->config.security.sasl_mechanism));
  }
  if (impl_->current) {
    std::lock_guard lock(impl_->current->error_mutex);
    s.last_error = impl_->current->last_error;
  } else {
    s.last_error = impl_->last_error;
  }
  return s;
}

}  // namespace rawkafka::client
