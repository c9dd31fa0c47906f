#pragma once
// ListOffsets on a BrokerChannel (the verifying fetcher's and the consumer's way to learn where
// partitions begin and end, or where a timestamp falls), and partitions grouped by leader.

#include <chrono>
#include <cstdint>
#include <map>
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

// Partitions grouped by their leader's node id.
std::map<int32_t, std::vector<int32_t>> by_leader(const TopicDescription& topic);

}  // namespace rawkafka::client::detail
