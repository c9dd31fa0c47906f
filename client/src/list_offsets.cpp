#include "list_offsets.hpp"

#include <thread>

#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/list_offsets.hpp"

namespace rawkafka::client::detail {

namespace {
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(1);
}
}  // namespace

AdminResult from_channel(const ChannelStatus& st) {
  return {st.error == ChannelError::timed_out ? AdminError::timed_out : AdminError::unreachable, 0,
          st.message};
}

namespace {

AdminResult list_offsets_once(BrokerChannel& channel, const std::string& topic,
                              const std::vector<int32_t>& partitions, int64_t timestamp,
                              std::map<int32_t, int64_t>& out, std::chrono::milliseconds timeout) {
  protocol::ListOffsetsRequest request;
  protocol::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  for (int32_t p : partitions) {
    protocol::ListOffsetsRequest::ListOffsetsPartition lp;
    lp.partition_index = p;
    lp.timestamp = timestamp;
    t.partitions.push_back(lp);
  }
  request.topics.push_back(std::move(t));
  request.timeout_ms = int32_t(std::min<int64_t>(timeout.count(), 0x7fffffff));
  protocol::ListOffsetsResponse response;
  if (ChannelStatus st = channel.call(request, response, timeout); !st.ok()) return from_channel(st);
  for (const auto& rt : response.topics) {
    for (const auto& rp : rt.partitions) {
      if (rp.error_code != 0) {
        return {AdminError::broker_error, rp.error_code,
                "ListOffsets for " + topic + "-" + std::to_string(rp.partition_index) + " failed: " +
                    std::string(protocol::error_name(rp.error_code))};
      }
      out[rp.partition_index] = rp.offset;
    }
  }
  for (int32_t p : partitions) {
    if (!out.count(p)) {
      return {AdminError::broker_error, 0,
              "ListOffsets answered nothing for " + topic + "-" + std::to_string(p)};
    }
  }
  return {};
}

}  // namespace

// Right after a topic is created, a leader may answer NOT_LEADER_OR_FOLLOWER (or not know the
// topic yet) for a moment: retriable errors are retried until the timeout.
AdminResult list_offsets_on(BrokerChannel& channel, const std::string& topic,
                            const std::vector<int32_t>& partitions, int64_t timestamp,
                            std::map<int32_t, int64_t>& out, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    AdminResult r = list_offsets_once(channel, topic, partitions, timestamp, out, left_until(deadline));
    if (r.ok() || r.error != AdminError::broker_error || !protocol::is_retriable(r.error_code) ||
        Clock::now() + std::chrono::milliseconds(100) >= deadline) {
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Partitions grouped by their leader's node id.
std::map<int32_t, std::vector<int32_t>> by_leader(const TopicDescription& topic) {
  std::map<int32_t, std::vector<int32_t>> groups;
  for (const auto& p : topic.partitions) groups[p.leader].push_back(p.partition);
  return groups;
}


AdminResult list_earliest_and_latest(BrokerChannel& channel, const std::string& topic,
                                     const std::vector<int32_t>& partitions, std::map<int32_t, int64_t>& earliest,
                                     std::map<int32_t, int64_t>& latest, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (AdminResult r = list_offsets_on(channel, topic, partitions, protocol::ListOffsetsRequest::earliest_timestamp,
                                      earliest, timeout);
      !r.ok()) {
    return r;
  }
  return list_offsets_on(channel, topic, partitions, protocol::ListOffsetsRequest::latest_timestamp, latest,
                         left_until(deadline));
}

BrokerChannel* LeaderChannels::get(const TopicDescription& topic, int32_t node_id, AdminResult& result) {
  auto it = by_node_.find(node_id);
  if (it != by_node_.end() && it->second->connected()) return it->second.get();
  const BrokerAddress* address = topic.broker(node_id);
  if (!address) {
    result = {AdminError::broker_error, 0,
              "leader " + std::to_string(node_id) + " of topic '" + topic.name + "' is not in the metadata"};
    return nullptr;
  }
  auto channel = std::make_unique<BrokerChannel>(reactor_, address->endpoint, options_);
  if (ChannelStatus st = channel->connect(); !st.ok()) {
    result = from_channel(st);
    return nullptr;
  }
  BrokerChannel* raw = channel.get();
  by_node_[node_id] = std::move(channel);
  return raw;
}

}  // namespace rawkafka::client::detail
