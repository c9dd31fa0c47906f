#include "cluster_metadata.hpp"

#include <thread>

#include "rawkafka/protocol/errors.hpp"

namespace rawkafka::client::detail {

int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ClusterMetadata::ClusterMetadata(const ProducerConfig& config)
    : config_(config), tls_(make_tls_context(config.security)), bootstrap_(config.bootstrap_endpoints()) {}

std::unique_ptr<io::Reactor> ClusterMetadata::make_reactor(const io::ReactorOptions& options) const {
  return client::make_reactor(options, config_.security, tls_);
}

ConnectedChannel ClusterMetadata::connect_any(std::chrono::milliseconds timeout, std::string& error) {
  std::vector<io::Endpoint> candidates;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, ep] : brokers_) candidates.push_back(ep);
  }
  for (const auto& ep : bootstrap_) candidates.push_back(ep);

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string reasons;
  for (const auto& ep : candidates) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      if (!reasons.empty()) reasons += "; ";
      reasons += ep.to_string() + ": not tried, time ran out";
      continue;
    }
    ConnectedChannel c;
    io::ReactorOptions ro;
    ro.backend = config_.backend;
    try {
      c.reactor = make_reactor(ro);
    } catch (const std::exception& e) {
      error = e.what();
      return {};
    }
    BrokerChannelOptions bo;
    bo.client_id = config_.client_id;
    bo.connect_timeout = std::min<std::chrono::milliseconds>(
        left, std::chrono::milliseconds(config_.socket_connection_setup_timeout_ms));
    bo.request_timeout = left;
    bo.security = config_.security;
    c.channel = std::make_unique<BrokerChannel>(*c.reactor, ep, bo);
    ChannelStatus st = c.channel->connect();
    if (st.ok()) {
      error.clear();
      return c;
    }
    if (!reasons.empty()) reasons += "; ";
    reasons += st.message.empty() ? ep.to_string() + ": no answer" : st.message;
  }
  error = "no broker answered (" + reasons + ")";
  return {};
}

std::string ClusterMetadata::refresh(std::string_view topic, std::chrono::milliseconds timeout,
                                     bool allow_auto_create) {
  std::lock_guard fetch_lock(fetch_mutex_);
  std::string error;
  ConnectedChannel c = connect_any(timeout, error);
  if (!c.channel) return error;
  return refresh_on(*c.channel, topic, timeout, allow_auto_create);
}

std::string ClusterMetadata::refresh_on(BrokerChannel& channel, std::string_view topic,
                                        std::chrono::milliseconds timeout,
                                        bool allow_auto_create) {
  protocol::MetadataRequest req;
  req.topics.emplace();
  {
    std::lock_guard lock(mutex_);
    for (const auto& t : topics_) req.topics->push_back({protocol::Uuid{}, t->name});
  }
  if (!topic.empty()) {
    bool present = false;
    for (const auto& t : *req.topics) present = present || (t.name && *t.name == topic);
    if (!present) req.topics->push_back({protocol::Uuid{}, std::string(topic)});
  }
  req.allow_auto_topic_creation = allow_auto_create;
  protocol::MetadataResponse resp;
  ChannelStatus st = channel.call(req, resp, timeout);
  if (!st.ok()) return st.message;
  if (resp.error_code != 0) {
    return "metadata request failed: " + std::string(protocol::error_name(resp.error_code));
  }
  apply(resp);
  return {};
}

void ClusterMetadata::apply(const protocol::MetadataResponse& response) {
  std::lock_guard lock(mutex_);
  if (!response.brokers.empty()) {
    brokers_.clear();
    for (const auto& b : response.brokers) {
      brokers_[b.node_id] = io::Endpoint{b.host, uint16_t(b.port)};
    }
  }
  for (const auto& t : response.topics) {
    if (!t.name) continue;
    auto it = by_name_.find(*t.name);
    TopicMetadata* tm;
    if (it == by_name_.end()) {
      auto fresh = std::make_unique<TopicMetadata>();
      fresh->name = *t.name;
      fresh->index = uint32_t(topics_.size());
      by_name_.emplace(fresh->name, fresh->index);
      tm = fresh.get();
      topics_.push_back(std::move(fresh));
    } else {
      tm = topics_[it->second].get();
    }
    tm->error = t.error_code;
    if (t.error_code != 0 && t.partitions.empty()) {
      // UNKNOWN_TOPIC_OR_PARTITION and friends: keep what we knew of a topic that existed
      // (leadership errors are transient); a topic never seen stays unknown.
      if (t.error_code == int16_t(protocol::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)) {
        tm->partition_count = -1;
        tm->partitions.clear();
      }
      continue;
    }
    tm->id = t.topic_id;
    int32_t count = 0;
    for (const auto& p : t.partitions) count = std::max(count, p.partition_index + 1);
    // Partitions never shrink in Kafka; keep the larger count if a response is partial.
    if (count < tm->partition_count) count = tm->partition_count;
    tm->partitions.resize(size_t(count));
    for (const auto& p : t.partitions) {
      auto& pl = tm->partitions[size_t(p.partition_index)];
      pl.leader = p.error_code == int16_t(protocol::ErrorCode::LEADER_NOT_AVAILABLE) ? -1 : p.leader_id;
      pl.leader_epoch = p.leader_epoch;
      pl.error = p.error_code;
    }
    tm->partition_count = count;
  }
  last_refresh_ns_.store(monotonic_ns(), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

uint32_t ClusterMetadata::topic_index(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = by_name_.find(std::string(name));
  if (it != by_name_.end()) return it->second;
  auto fresh = std::make_unique<TopicMetadata>();
  fresh->name = std::string(name);
  fresh->index = uint32_t(topics_.size());
  by_name_.emplace(fresh->name, fresh->index);
  uint32_t index = fresh->index;
  topics_.push_back(std::move(fresh));
  return index;
}

int32_t ClusterMetadata::wait_for_topic(std::string_view name, std::chrono::milliseconds wait) {
  const uint32_t index = topic_index(name);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  uint64_t seen = generation();
  for (;;) {
    int32_t n = partition_count(index);
    if (n > 0) return n;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return -1;
    // If another thread refreshed since we looked, use its answer before asking again.
    if (generation() == seen) {
      refresh(name, std::min<std::chrono::milliseconds>(
                        left, std::chrono::milliseconds(config_.request_timeout_ms)));
    }
    seen = generation();
    n = partition_count(index);
    if (n > 0) return n;
    left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return -1;
    std::this_thread::sleep_for(
        std::min<std::chrono::milliseconds>(left, std::chrono::milliseconds(config_.retry_backoff_ms)));
  }
}

bool ClusterMetadata::topic(uint32_t index, TopicMetadata& out) const {
  std::lock_guard lock(mutex_);
  if (index >= topics_.size()) return false;
  out = *topics_[index];
  return true;
}

int32_t ClusterMetadata::partition_count(uint32_t index) const {
  std::lock_guard lock(mutex_);
  return index < topics_.size() ? topics_[index]->partition_count : -1;
}

std::optional<io::Endpoint> ClusterMetadata::broker(int32_t node_id) const {
  std::lock_guard lock(mutex_);
  auto it = brokers_.find(node_id);
  if (it == brokers_.end()) return std::nullopt;
  return it->second;
}

size_t ClusterMetadata::topic_count() const {
  std::lock_guard lock(mutex_);
  return topics_.size();
}

std::vector<std::string> ClusterMetadata::topic_names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  names.reserve(topics_.size());
  for (const auto& t : topics_) names.push_back(t->name);
  return names;
}

std::vector<int32_t> ClusterMetadata::broker_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<int32_t> ids;
  for (const auto& [id, ep] : brokers_) ids.push_back(id);
  return ids;
}

}  // namespace rawkafka::client::detail
