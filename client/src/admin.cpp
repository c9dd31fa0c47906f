#include "rawkafka/client/admin.hpp"

#include <algorithm>
#include <thread>

#include "rawkafka/client/broker_channel.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/create_topics.hpp"
#include "rawkafka/protocol/messages/metadata.hpp"

namespace rawkafka::client {

namespace {
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(1);
}

std::string broker_error_text(int16_t code, const std::optional<std::string>& message = {}) {
  std::string s(protocol::error_name(code));
  if (message && !message->empty()) {
    s += ": " + *message;
  } else if (auto m = protocol::error_message(code); !m.empty()) {
    s += ": " + std::string(m);
  }
  return s;
}
}  // namespace

const BrokerAddress* TopicDescription::broker(int32_t node_id) const {
  for (const BrokerAddress& b : brokers) {
    if (b.node_id == node_id) return &b;
  }
  return nullptr;
}

bool TopicDescription::all_partitions_have_leaders() const {
  if (partitions.empty()) return false;
  return std::all_of(partitions.begin(), partitions.end(), [](const PartitionDescription& p) {
    return p.leader >= 0 && p.error_code == 0;
  });
}

AdminClient::AdminClient(const std::vector<io::Endpoint>& bootstrap, const AdminOptions& options)
    : bootstrap_(bootstrap), options_(options) {}

AdminClient::~AdminClient() {
  channel_.reset();
  reactor_.reset();
}

AdminResult AdminClient::ensure_connected(std::chrono::milliseconds timeout) {
  if (channel_ && channel_->connected()) return {};
  channel_.reset();
  if (!reactor_) {
    io::ReactorOptions ro;
    ro.backend = options_.backend;
    try {
      reactor_ = make_reactor(ro, options_.security);
    } catch (const ConfigError& e) {
      return {AdminError::unreachable, 0, e.what()};
    }
  }
  BrokerChannelOptions co;
  co.client_id = options_.client_id;
  co.connect_timeout = std::min(timeout, options_.request_timeout);
  co.request_timeout = options_.request_timeout;
  co.security = options_.security;
  ChannelStatus st;
  channel_ = connect_any(*reactor_, bootstrap_, co, st);
  if (!channel_) return {AdminError::unreachable, 0, st.message};
  return {};
}

AdminResult AdminClient::describe(std::string_view name, TopicDescription& out,
                                   std::chrono::milliseconds timeout) {
  if (AdminResult r = ensure_connected(timeout); !r.ok()) return r;
  protocol::MetadataRequest request;
  protocol::MetadataRequest::Topic t;
  t.name = std::string(name);
  request.topics = std::vector<protocol::MetadataRequest::Topic>{t};
  request.allow_auto_topic_creation = false;
  protocol::MetadataResponse response;
  ChannelStatus st = channel_->call(request, response, std::min(timeout, options_.request_timeout));
  if (!st.ok()) {
    channel_.reset();
    return {st.error == ChannelError::timed_out ? AdminError::timed_out : AdminError::unreachable, 0,
            st.message};
  }
  if (response.error_code != 0) {
    return {AdminError::broker_error, response.error_code,
            "Metadata for topic '" + std::string(name) + "' failed: " + broker_error_text(response.error_code)};
  }
  const protocol::MetadataResponse::Topic* topic = nullptr;
  for (const auto& candidate : response.topics) {
    if (candidate.name && *candidate.name == name) topic = &candidate;
  }
  if (!topic) {
    return {AdminError::unknown_topic, int16_t(protocol::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
            "topic '" + std::string(name) + "' does not exist"};
  }
  if (topic->error_code == int16_t(protocol::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)) {
    return {AdminError::unknown_topic, topic->error_code, "topic '" + std::string(name) + "' does not exist"};
  }
  if (topic->error_code != 0 &&
      topic->error_code != int16_t(protocol::ErrorCode::LEADER_NOT_AVAILABLE)) {
    return {AdminError::broker_error, topic->error_code,
            "Metadata for topic '" + std::string(name) + "' failed: " + broker_error_text(topic->error_code)};
  }
  out = TopicDescription{};
  out.name = std::string(name);
  out.topic_id = topic->topic_id;
  out.controller_id = response.controller_id;
  for (const auto& b : response.brokers) {
    BrokerAddress a;
    a.node_id = b.node_id;
    a.endpoint.host = b.host;
    a.endpoint.port = uint16_t(b.port);
    out.brokers.push_back(std::move(a));
  }
  for (const auto& p : topic->partitions) {
    PartitionDescription d;
    d.partition = p.partition_index;
    d.leader = p.leader_id;
    d.leader_epoch = p.leader_epoch;
    d.replicas = p.replica_nodes;
    d.isr = p.isr_nodes;
    d.error_code = p.error_code;
    out.partitions.push_back(std::move(d));
  }
  std::sort(out.partitions.begin(), out.partitions.end(),
            [](const PartitionDescription& a, const PartitionDescription& b) { return a.partition < b.partition; });
  return {};
}

AdminResult AdminClient::wait_for_leaders(std::string_view name, int32_t min_partitions,
                                           std::chrono::milliseconds timeout, TopicDescription* out) {
  const auto deadline = Clock::now() + timeout;
  AdminResult last;
  TopicDescription d;
  while (true) {
    last = describe(name, d, left_until(deadline));
    // Right after CreateTopics a broker may not know the topic yet: keep asking.
    if (last.ok() && d.all_partitions_have_leaders() && int32_t(d.partitions.size()) >= min_partitions) {
      if (out) *out = std::move(d);
      return {};
    }
    if (!last.ok() && last.error != AdminError::unknown_topic) return last;
    // Another round needs time for the pause and an answer; with less left, a last describe
    // would only time out and say so instead of what is wrong.
    if (Clock::now() + std::chrono::milliseconds(200) >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {AdminError::timed_out, last.error_code,
          "topic '" + std::string(name) + "' still has partitions without a leader after " +
              std::to_string(timeout.count()) + " ms"};
}

AdminResult AdminClient::create(std::string_view name, int32_t partitions, int16_t replication_factor,
                                 std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (AdminResult r = ensure_connected(timeout); !r.ok()) return r;
  protocol::CreateTopicsRequest request;
  protocol::CreateTopicsRequest::CreatableTopic topic;
  topic.name = std::string(name);
  topic.num_partitions = partitions;
  topic.replication_factor = replication_factor;
  request.topics.push_back(std::move(topic));
  request.timeout_ms = int32_t(std::min<int64_t>(timeout.count(), 0x7fffffff));
  protocol::CreateTopicsResponse response;
  ChannelStatus st = channel_->call(request, response, left_until(deadline));
  if (!st.ok()) {
    channel_.reset();
    return {st.error == ChannelError::timed_out ? AdminError::timed_out : AdminError::unreachable, 0,
            st.message};
  }
  if (response.topics.empty()) {
    return {AdminError::broker_error, 0, "CreateTopics for '" + std::string(name) + "' returned no result"};
  }
  const auto& result = response.topics.front();
  if (result.error_code == int16_t(protocol::ErrorCode::TOPIC_ALREADY_EXISTS)) {
    return {AdminError::topic_already_exists, result.error_code,
            "topic '" + std::string(name) + "' already exists"};
  }
  if (result.error_code != 0) {
    return {AdminError::broker_error, result.error_code,
            "could not create topic '" + std::string(name) + "': " +
                broker_error_text(result.error_code, result.error_message)};
  }
  return wait_for_leaders(name, partitions, left_until(deadline), nullptr);
}

AdminResult create_topic(const std::vector<io::Endpoint>& bootstrap, std::string_view name,
                         int32_t partitions, int16_t replication_factor,
                         std::chrono::milliseconds timeout, const AdminOptions& options) {
  AdminClient session(bootstrap, options);
  return session.create(name, partitions, replication_factor, timeout);
}

AdminResult describe_topic(const std::vector<io::Endpoint>& bootstrap, std::string_view name,
                           TopicDescription& out, std::chrono::milliseconds timeout,
                           const AdminOptions& options) {
  AdminClient session(bootstrap, options);
  return session.describe(name, out, timeout);
}

AdminResult wait_for_leaders(const std::vector<io::Endpoint>& bootstrap, std::string_view name,
                             int32_t min_partitions, std::chrono::milliseconds timeout,
                             const AdminOptions& options, TopicDescription* out) {
  AdminClient session(bootstrap, options);
  return session.wait_for_leaders(name, min_partitions, timeout, out);
}

}  // namespace rawkafka::client

namespace rawkafka::client {

BrokerChannel* AdminClient::channel(std::chrono::milliseconds timeout, AdminResult& result) {
  result = ensure_connected(timeout);
  return result.ok() ? channel_.get() : nullptr;
}

}  // namespace rawkafka::client
