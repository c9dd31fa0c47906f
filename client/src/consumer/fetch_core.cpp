#include "fetch_core.hpp"

#include <algorithm>

#include "../list_offsets.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/list_offsets.hpp"

namespace rawkafka::client::detail {

namespace {

using std::chrono::milliseconds;
using protocol::ErrorCode;

uint64_t key_of(uint32_t topic, int32_t partition) { return (uint64_t(topic) << 32) | uint32_t(partition); }

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(ConsumerClock::now().time_since_epoch()).count();
}

// Partition errors after which the leader has to be looked up again (Java's Fetcher treats
// these as "refresh metadata and retry").
bool wants_new_leader(int16_t code) {
  switch (ErrorCode(code)) {
    case ErrorCode::NOT_LEADER_OR_FOLLOWER:
    case ErrorCode::FENCED_LEADER_EPOCH:
    case ErrorCode::UNKNOWN_LEADER_EPOCH:
    case ErrorCode::UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode::UNKNOWN_TOPIC_ID:
    case ErrorCode::INCONSISTENT_TOPIC_ID:
    case ErrorCode::LEADER_NOT_AVAILABLE:
    case ErrorCode::REPLICA_NOT_AVAILABLE:
    case ErrorCode::KAFKA_STORAGE_ERROR:
    case ErrorCode::OFFSET_NOT_AVAILABLE:
    case ErrorCode::NOT_ENOUGH_REPLICAS:
      return true;
    default:
      return protocol::is_retriable(code);
  }
}

}  // namespace

BrokerChannelOptions channel_options(const ConsumerConfig& config) {
  BrokerChannelOptions options;
  options.client_id = config.client_id;
  options.connect_timeout = milliseconds(config.socket_connection_setup_timeout_ms);
  options.request_timeout = milliseconds(config.request_timeout_ms);
  options.security = config.security;
  return options;
}

AdminOptions admin_options(const ConsumerConfig& config) {
  return {config.client_id, config.backend, milliseconds(config.request_timeout_ms), config.security};
}

uint64_t ConsumerRun::claim(uint64_t wanted) {
  int64_t before = budget.fetch_sub(int64_t(wanted), std::memory_order_relaxed);
  if (before <= 0) {
    budget.fetch_add(int64_t(wanted), std::memory_order_relaxed);
    return 0;
  }
  if (uint64_t(before) >= wanted) return wanted;
  budget.fetch_add(int64_t(wanted) - before, std::memory_order_relaxed);
  return uint64_t(before);
}

void ConsumerRun::note_error(const std::string& message) {
  std::lock_guard lock(error_mutex);
  last_error = message;
}

FetchCore::FetchCore(unsigned index, ConsumerRun& run, std::vector<CorePartition> partitions,
                     std::map<int32_t, io::Endpoint> brokers, CoreCounters& counters)
    : index_(index),
      run_(run),
      counters_(counters),
      partitions_(std::move(partitions)),
      brokers_(std::move(brokers)),
      delivery_(run.config.delivery, run.config.check_crcs, run.config.isolation_level) {
  for (CorePartition& p : partitions_) {
    by_key_[key_of(p.topic, p.partition)] = &p;
    ++status_counts_[size_t(p.status)];
  }
}

FetchCore::~FetchCore() {
  // Channels first: they close their connections on the reactor, which must outlive them.
  for (auto& [key, l] : leaders_) l->channel.reset();
  leaders_.clear();
}

FetchCore::Leader& FetchCore::leader(int32_t node, uint8_t connection) {
  auto& slot = leaders_[leader_key(node, connection)];
  if (!slot) {
    slot = std::make_unique<Leader>();
    slot->node = node;
    slot->connection = connection;
  }
  auto b = brokers_.find(node);
  if (b != brokers_.end()) slot->endpoint = b->second;
  return *slot;
}

FetchCore::Leader* FetchCore::leader_of(BrokerChannel& channel) {
  for (auto& [key, l] : leaders_) {
    if (l->channel.get() == &channel) return l.get();
  }
  return nullptr;
}

void FetchCore::move_to(CorePartition& p, int32_t node) {
  if (p.leader >= 0) {
    auto it = leaders_.find(leader_key(p.leader, p.connection));
    if (it != leaders_.end()) {
      Leader& old = *it->second;
      old.partitions.erase(std::remove(old.partitions.begin(), old.partitions.end(), &p), old.partitions.end());
      if (p.in_session) old.forgotten.push_back(&p);
    }
  }
  p.in_session = false;
  p.session_offset = -1;
  p.leader = node;
  leader(node, p.connection).partitions.push_back(&p);
}

void FetchCore::reset_session(Leader& l) {
  l.session_id = 0;
  l.session_epoch = 0;
  l.forgotten.clear();
  for (CorePartition* p : l.partitions) {
    p->in_session = false;
    p->session_offset = -1;
  }
}

void FetchCore::lost(Leader& l, const std::string& why) {
  l.in_flight = false;
  reset_session(l);
  l.backoff = std::min<milliseconds>(
      std::max<milliseconds>(l.backoff * 2, milliseconds(run_.config.reconnect_backoff_ms)),
      milliseconds(std::max<int64_t>(run_.config.reconnect_backoff_max_ms, run_.config.reconnect_backoff_ms)));
  l.reconnect_at = ConsumerClock::now() + l.backoff;
  last_error_ = why;
  run_.note_error(why);
  // The partitions may have moved: look them up again before the reconnect.
  for (CorePartition* p : l.partitions) {
    if (p->status == CorePartition::Status::fetching) set_status(*p, CorePartition::Status::needs_leader);
  }
}

void FetchCore::connect(Leader& l) {
  if (l.endpoint.host.empty()) {
    lost(l, "broker " + std::to_string(l.node) + " leads a partition but is not in the metadata");
    return;
  }
  if (l.channel) {
    l.channel->close();
    ++counters_.reconnects;
  }
  l.channel = std::make_unique<BrokerChannel>(*reactor_, l.endpoint, channel_options(run_.config));
  if (ChannelStatus st = l.channel->connect(); !st.ok()) {
    lost(l, st.message);
    l.channel.reset();
    return;
  }
  std::optional<int16_t> version = l.channel->version_for(protocol::ApiKey::fetch);
  bool ids = true;
  for (CorePartition* p : l.partitions) ids = ids && !run_.topics[p->topic].id.is_zero();
  if (version && *version >= 13 && !ids) version = 12;  // topics by name only
  if (!version) {
    lost(l, l.endpoint.to_string() + " does not support Fetch v4 or later");
    l.channel.reset();
    return;
  }
  l.version = *version;
  counters_.fetch_version.store(*version, std::memory_order_relaxed);
  l.channel->set_listener(this);
  reset_session(l);
  l.backoff = milliseconds(0);
}

bool FetchCore::send_fetch(Leader& l) {
  const ConsumerConfig& config = run_.config;
  const bool sessions = config.fetch_sessions;
  const bool incremental = sessions && l.session_epoch > 0;
  protocol::FetchRequest& r = request_;
  r.max_wait_ms = config.fetch_max_wait_ms;
  r.min_bytes = config.fetch_min_bytes;
  r.max_bytes = config.fetch_max_bytes;
  r.isolation_level = int8_t(config.isolation_level);
  r.session_id = sessions ? l.session_id : 0;
  r.session_epoch = sessions ? l.session_epoch : -1;
  r.rack_id = config.client_rack;
  for (auto& t : r.topics) t.partitions.clear();
  size_t used_topics = 0;
  auto topic_entry = [&](uint32_t topic) -> protocol::FetchRequest::FetchTopic& {
    const ConsumerTopic& ct = run_.topics[topic];
    for (size_t i = 0; i < used_topics; ++i) {
      if (r.topics[i].topic == ct.name) return r.topics[i];
    }
    if (used_topics == r.topics.size()) r.topics.emplace_back();
    protocol::FetchRequest::FetchTopic& t = r.topics[used_topics++];
    t.topic = ct.name;
    t.topic_id = ct.id;
    t.partitions.clear();
    return t;
  };

  size_t fetching = 0;
  for (CorePartition* p : l.partitions) {
    if (p->status != CorePartition::Status::fetching) continue;
    if (p->position >= p->end) {
      set_status(*p, CorePartition::Status::done);
      if (p->in_session) l.forgotten.push_back(p);
      p->in_session = false;
      continue;
    }
    ++fetching;
    if (incremental && p->in_session && p->session_offset == p->position) continue;
    protocol::FetchRequest::FetchPartition fp;
    fp.partition = p->partition;
    fp.current_leader_epoch = p->leader_epoch;
    fp.fetch_offset = p->position;
    fp.last_fetched_epoch = p->last_fetched_epoch;
    fp.partition_max_bytes = config.max_partition_fetch_bytes;
    topic_entry(p->topic).partitions.push_back(fp);
    p->in_session = sessions;
    p->session_offset = p->position;
  }
  r.topics.resize(used_topics);
  r.forgotten_topics_data.clear();
  if (incremental) {
    for (CorePartition* p : l.forgotten) {
      const ConsumerTopic& ct = run_.topics[p->topic];
      auto it = std::find_if(r.forgotten_topics_data.begin(), r.forgotten_topics_data.end(),
                             [&](const auto& f) { return f.topic == ct.name; });
      if (it == r.forgotten_topics_data.end()) {
        r.forgotten_topics_data.emplace_back();
        it = r.forgotten_topics_data.end() - 1;
        it->topic = ct.name;
        it->topic_id = ct.id;
      }
      it->partitions.push_back(p->partition);
    }
  }
  l.forgotten.clear();
  if (fetching == 0) {
    // Nothing left to read here: a session that holds partitions is closed (epoch -1) by
    // simply not using it again; the broker lets it expire.
    return false;
  }
  const int32_t cid = l.channel->send_request(r, l.version);
  if (cid < 0) return false;
  if (incremental) counters_.incremental_fetches.fetch_add(1, std::memory_order_relaxed);
  l.in_flight = true;
  l.correlation_id = cid;
  l.sent_at = ConsumerClock::now();
  return true;
}

void FetchCore::on_response(BrokerChannel& channel, int32_t correlation_id, std::span<const uint8_t> frame) {
  Leader* l = leader_of(channel);
  if (!l || !l->in_flight || correlation_id != l->correlation_id) return;
  l->in_flight = false;
  handle_response(*l, frame);
}

void FetchCore::on_channel_closed(BrokerChannel& channel) {
  Leader* l = leader_of(channel);
  if (!l) return;
  const std::string reason = channel.close_reason();
  lost(*l, l->endpoint.to_string() + " closed the connection" + (reason.empty() ? "" : ": " + reason));
}

void FetchCore::handle_response(Leader& l, std::span<const uint8_t> frame) {
  protocol::Reader reader(frame.data(), frame.size());
  int32_t cid = 0;
  protocol::FetchResponse& response = response_;
  if (!protocol::read_response_header(reader, protocol::ApiKey::fetch, l.version, cid) ||
      !response.decode(reader, l.version)) {
    l.close_wanted = true;
    lost(l, "the Fetch response from " + l.endpoint.to_string() + " is unreadable");
    return;
  }
  ++counters_.fetches;
  counters_.fetch_bytes.fetch_add(frame.size(), std::memory_order_relaxed);
  const ConsumerConfig& config = run_.config;

  if (response.error_code != 0) {
    const auto code = ErrorCode(response.error_code);
    if (code == ErrorCode::FETCH_SESSION_ID_NOT_FOUND || code == ErrorCode::INVALID_FETCH_SESSION_EPOCH ||
        code == ErrorCode::FETCH_SESSION_TOPIC_ID_ERROR) {
      ++counters_.session_resets;
      reset_session(l);
      send_fetch(l);
      return;
    }
    l.close_wanted = true;
    lost(l, "Fetch from " + l.endpoint.to_string() + " failed: " + std::string(protocol::error_name(response.error_code)));
    return;
  }
  if (config.fetch_sessions) {
    if (l.session_epoch == 0) {
      l.session_id = response.session_id;
      l.session_epoch = response.session_id != 0 ? 1 : 0;
      if (response.session_id == 0) {
        // The broker keeps no session for us (its cache is full, or sessions are off):
        // every fetch stays a full one.
        for (CorePartition* p : l.partitions) p->in_session = false;
      }
    } else {
      l.session_epoch = l.session_epoch == INT32_MAX ? 1 : l.session_epoch + 1;
    }
  }
  last_success_ = ConsumerClock::now();

  // 1. Positions from the batch headers; errors change the partitions' states.
  std::vector<PendingRecords>& pending = pending_;
  pending.clear();
  bool any_records = false;
  for (const auto& topic : response.responses) {
    uint32_t topic_index = UINT32_MAX;
    for (uint32_t i = 0; i < run_.topics.size(); ++i) {
      const ConsumerTopic& ct = run_.topics[i];
      if (l.version >= 13 ? ct.id == topic.topic_id : ct.name == topic.topic) topic_index = i;
    }
    if (topic_index == UINT32_MAX) continue;
    for (const auto& pd : topic.partitions) {
      auto it = by_key_.find(key_of(topic_index, pd.partition_index));
      if (it == by_key_.end()) continue;
      CorePartition& p = *it->second;
      if (p.status != CorePartition::Status::fetching || p.leader != l.node || p.connection != l.connection) continue;
      if (pd.error_code != 0) {
        p.in_session = false;
        if (pd.error_code == int16_t(ErrorCode::OFFSET_OUT_OF_RANGE)) {
          set_status(p, CorePartition::Status::needs_reset);
        } else if (wants_new_leader(pd.error_code)) {
          set_status(p, CorePartition::Status::needs_leader);
          metadata_due_ = std::min(metadata_due_, ConsumerClock::now());
        } else {
          fail_partition(p, ConsumeErrorKind::partition_failed,
                         "fetching " + run_.topics[p.topic].name + "-" + std::to_string(p.partition) + " from " +
                             l.endpoint.to_string() + " failed: " + std::string(protocol::error_name(pd.error_code)));
        }
        continue;
      }
      // KIP-320: the log was truncated below our position (an unclean leader change); go on
      // from where the broker's log and ours agree.
      if (pd.diverging_epoch.epoch >= 0 && pd.diverging_epoch.end_offset >= 0 &&
          pd.diverging_epoch.end_offset < p.position) {
        ++counters_.log_truncations;
        p.position = pd.diverging_epoch.end_offset;
        p.last_fetched_epoch = pd.diverging_epoch.epoch;
        continue;
      }
      if (!pd.records || pd.records->empty()) continue;
      BatchScan scan = scan_batches(*pd.records, p.position);
      if (scan.stuck && scan.next_offset == p.position) {
        fail_partition(p, ConsumeErrorKind::partition_failed,
                       run_.topics[p.topic].name + "-" + std::to_string(p.partition) + " at offset " +
                           std::to_string(p.position) + " holds " + scan.stuck);
        continue;
      }
      if (scan.next_offset == p.position) continue;
      pending.push_back({&p, &pd, p.position});
      p.position = std::min(scan.next_offset, std::max(p.end, p.position));
      if (scan.last_epoch >= 0) p.last_fetched_epoch = scan.last_epoch;
      any_records = true;
    }
  }
  if (!any_records) ++counters_.empty_fetches;

  // 2. The next fetch goes out before the records are read: the broker works on it meanwhile.
  if (!run_.stop.load(std::memory_order_relaxed) && !budget_spent_ && !l.channel->session_renewal_due()) {
    send_fetch(l);
  }

  // 3. The records, as views into this frame.
  for (const PendingRecords& item : pending) {
    CorePartition& p = *item.partition;
    const std::string& topic = run_.topics[p.topic].name;
    DeliveryCounts c = delivery_.deliver(topic, p.partition, *item.data->records, item.from, p.end,
                                         item.data->aborted_transactions, &run_, *handler_);
    counters_.records.fetch_add(c.records, std::memory_order_relaxed);
    counters_.record_bytes.fetch_add(c.record_bytes, std::memory_order_relaxed);
    counters_.batches.fetch_add(c.batches, std::memory_order_relaxed);
    counters_.batch_bytes.fetch_add(c.batch_bytes, std::memory_order_relaxed);
    if (c.corrupt) counters_.corrupt_batches.fetch_add(c.corrupt, std::memory_order_relaxed);
    if (c.undecodable) counters_.undecodable_batches.fetch_add(c.undecodable, std::memory_order_relaxed);
    if (c.records) run_.last_record_ns.store(now_ns(), std::memory_order_relaxed);
    if (c.budget_spent) {
      budget_spent_ = true;
      break;
    }
  }
}

void FetchCore::refresh_leaders() {
  const ConsumerConfig& config = run_.config;
  const auto now = ConsumerClock::now();
  metadata_due_ = now + milliseconds(std::max<int64_t>(config.retry_backoff_ms, 1));
  if (!admin_) {
    admin_ = std::make_unique<AdminClient>(run_.bootstrap, admin_options(config));
  }
  std::vector<uint32_t> topics;
  for (const CorePartition& p : partitions_) {
    if (p.status == CorePartition::Status::needs_leader &&
        std::find(topics.begin(), topics.end(), p.topic) == topics.end()) {
      topics.push_back(p.topic);
    }
  }
  for (uint32_t t : topics) {
    TopicDescription d;
    AdminResult r = admin_->describe(run_.topics[t].name, d, milliseconds(config.request_timeout_ms));
    if (!r.ok()) {
      last_error_ = r.message;
      run_.note_error(r.message);
      continue;
    }
    for (const BrokerAddress& b : d.brokers) brokers_[b.node_id] = b.endpoint;
    for (auto& [key, l] : leaders_) {
      auto b = brokers_.find(l->node);
      if (b != brokers_.end()) l->endpoint = b->second;
    }
    for (CorePartition& p : partitions_) {
      if (p.topic != t || p.status != CorePartition::Status::needs_leader) continue;
      for (const PartitionDescription& pd : d.partitions) {
        if (pd.partition != p.partition || pd.leader < 0) continue;
        if (pd.leader != p.leader) {
          ++counters_.leader_changes;
          move_to(p, pd.leader);
        }
        p.leader_epoch = pd.leader_epoch;
        set_status(p, CorePartition::Status::fetching);
      }
    }
  }
}

void FetchCore::reset_offsets() {
  const ConsumerConfig& config = run_.config;
  for (CorePartition& p : partitions_) {
    if (p.status != CorePartition::Status::needs_reset) continue;
    const std::string& topic = run_.topics[p.topic].name;
    if (config.auto_offset_reset == OffsetReset::none) {
      fail_partition(p, ConsumeErrorKind::offset_out_of_range,
                     "offset " + std::to_string(p.position) + " is out of range for " + topic + "-" +
                         std::to_string(p.partition) + " (auto.offset.reset=none)");
      continue;
    }
    auto it = leaders_.find(leader_key(p.leader, p.connection));
    if (it == leaders_.end() || !it->second->channel || !it->second->channel->connected()) continue;
    std::map<int32_t, int64_t> offsets;
    const int64_t at = config.auto_offset_reset == OffsetReset::earliest ? protocol::ListOffsetsRequest::earliest_timestamp
                                                                         : protocol::ListOffsetsRequest::latest_timestamp;
    AdminResult r = list_offsets_on(*it->second->channel, topic, {p.partition}, at, offsets,
                                    milliseconds(config.request_timeout_ms));
    if (!r.ok()) {
      last_error_ = r.message;
      run_.note_error(r.message);
      continue;
    }
    ++counters_.offset_resets;
    p.position = offsets[p.partition];
    p.last_fetched_epoch = -1;
    set_status(p, p.position >= p.end ? CorePartition::Status::done : CorePartition::Status::fetching);
  }
}

void FetchCore::fail_partition(CorePartition& p, ConsumeErrorKind kind, std::string message) {
  set_status(p, CorePartition::Status::failed);
  ConsumeError e;
  e.kind = kind;
  e.topic = run_.topics[p.topic].name;
  e.partition = p.partition;
  e.offset = p.position;
  e.message = std::move(message);
  run_.note_error(e.message);
  handler_->on_error(e);
}

void FetchCore::set_status(CorePartition& p, CorePartition::Status status) {
  --status_counts_[size_t(p.status)];
  ++status_counts_[size_t(status)];
  p.status = status;
}

bool FetchCore::finished() const {
  return count(CorePartition::Status::done) + count(CorePartition::Status::failed) == partitions_.size();
}

void FetchCore::check_timeouts(ConsumerClock::time_point now) {
  const auto limit = milliseconds(run_.config.request_timeout_ms) + milliseconds(run_.config.fetch_max_wait_ms);
  for (auto& [key, l] : leaders_) {
    if (l->in_flight && now - l->sent_at > limit) {
      const std::string why = "no Fetch response from " + l->endpoint.to_string() + " within " +
                              std::to_string(limit.count()) + " ms";
      l->channel->close();
      lost(*l, why);
    }
  }
}

std::string FetchCore::run(ConsumerHandler& handler) {
  handler_ = &handler;
  const ConsumerConfig& config = run_.config;
  io::ReactorOptions ro;
  ro.backend = config.backend;
  ro.socket_receive_buffer = config.receive_buffer_bytes;
  ro.multishot_receive = config.multishot_receive;
  ro.max_frame_size = std::max<size_t>(size_t(config.fetch_max_bytes) + (1u << 20), 64u << 20);
  reactor_ = make_reactor(ro, config.security, run_.tls);
  counters_.backend.store(int(reactor_->backend()), std::memory_order_relaxed);
  const unsigned connections = std::max(1u, config.connections_per_broker);
  for (size_t i = 0; i < partitions_.size(); ++i) {
    CorePartition& p = partitions_[i];
    p.connection = uint8_t(i % connections);
    const int32_t node = p.leader;
    p.leader = -1;
    if (node >= 0) move_to(p, node);
    else set_status(p, CorePartition::Status::needs_leader);
    if (p.position >= p.end) set_status(p, CorePartition::Status::done);
  }
  last_success_ = ConsumerClock::now();
  metadata_due_ = ConsumerClock::now();

  std::string failure;
  while (!run_.stop.load(std::memory_order_relaxed) && !budget_spent_ && !finished()) {
    auto now = ConsumerClock::now();
    if (count(CorePartition::Status::needs_leader) && now >= metadata_due_) refresh_leaders();
    if (count(CorePartition::Status::needs_reset)) reset_offsets();

    for (auto& [key, lp] : leaders_) {
      Leader& l = *lp;
      if (l.close_wanted) {
        l.close_wanted = false;
        if (l.channel) l.channel->close();
        l.channel.reset();
      }
      const bool wanted = std::any_of(l.partitions.begin(), l.partitions.end(), [](const CorePartition* p) {
        return p->status == CorePartition::Status::fetching;
      });
      if (!wanted || l.in_flight) continue;
      if (!l.channel || !l.channel->connected()) {
        if (ConsumerClock::now() < l.reconnect_at) continue;
        connect(l);
        if (!l.channel) continue;
      }
      if (l.channel->session_renewal_due()) {
        if (ChannelStatus st = l.channel->renew_session(); !st.ok()) {
          lost(l, st.message);
          continue;
        }
      }
      send_fetch(l);
    }

    // A core that has heard nothing good for request.timeout.ms while partitions wait gives up.
    now = ConsumerClock::now();
    if (!last_error_.empty() && now - last_success_ > milliseconds(config.request_timeout_ms)) {
      failure = last_error_;
      break;
    }
    check_timeouts(now);
    reactor_->poll(milliseconds(50));
  }
  handler_ = nullptr;
  for (auto& [key, l] : leaders_) {
    if (l->channel) l->channel->set_listener(nullptr);
  }
  // A core whose every partition stopped with an error has failed (the handler heard why).
  if (failure.empty() && !partitions_.empty() && count(CorePartition::Status::failed) == partitions_.size()) {
    std::lock_guard lock(run_.error_mutex);
    failure = run_.last_error.empty() ? "every partition of core " + std::to_string(index_) + " stopped with an error"
                                      : run_.last_error;
  }
  return failure;
}

}  // namespace rawkafka::client::detail
