#pragma once
// ListOffsets on a BrokerChannel (the verifying fetcher's and the consumer's way to learn where
// partitions begin and end, or where a timestamp falls), partitions grouped by leader, and one
// channel per leader to ask them on.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rawkafka/client/admin.hpp"
#include "rawkafka/client/broker_channel.hpp"

namespace rawkafka::client::detail {

// A channel failure as an admin result: timed_out, or unreachable with the channel's sentence.
AdminResult from_channel(const ChannelStatus& st);

// The offsets of `partitions` of `topic` at `timestamp` (ListOffsetsRequest::earliest_timestamp,
// latest_timestamp, or a time in ms: the first offset whose timestamp is at or after it, -1 when
// none is) into `out`. Retriable errors (a leader just elected, a topic just created) are retried
// until `timeout`.
AdminResult list_offsets_on(BrokerChannel& channel, const std::string& topic, const std::vector<int32_t>& partitions,
                            int64_t timestamp, std::map<int32_t, int64_t>& out, std::chrono::milliseconds timeout);

// The earliest and the latest (high watermark) offsets of `partitions`: two ListOffsets.
AdminResult list_earliest_and_latest(BrokerChannel& channel, const std::string& topic,
                                     const std::vector<int32_t>& partitions, std::map<int32_t, int64_t>& earliest,
                                     std::map<int32_t, int64_t>& latest, std::chrono::milliseconds timeout);

// Partitions grouped by their leader's node id.
std::map<int32_t, std::vector<int32_t>> by_leader(const TopicDescription& topic);

// The leaders of a topic's partitions, one connected channel each, on one reactor (an admin
// client's), kept for later calls.
class LeaderChannels {
 public:
  LeaderChannels(io::Reactor& reactor, BrokerChannelOptions options) : reactor_(reactor), options_(std::move(options)) {}
  // The channel to `node_id` (connecting it first); nullptr with `result` set when the node is
  // not in the topic's metadata or does not answer.
  BrokerChannel* get(const TopicDescription& topic, int32_t node_id, AdminResult& result);

 private:
  io::Reactor& reactor_;
  BrokerChannelOptions options_;
  std::map<int32_t, std::unique_ptr<BrokerChannel>> by_node_;
};

}  // namespace rawkafka::client::detail
