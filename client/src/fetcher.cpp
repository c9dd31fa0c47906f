#include "rawkafka/client/fetcher.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <thread>

#include "list_offsets.hpp"
#include "rawkafka/client/broker_channel.hpp"
#include "rawkafka/compression/codecs.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/fetch.hpp"

namespace rawkafka::client {

namespace {
using Clock = std::chrono::steady_clock;
using detail::by_leader;
using detail::from_channel;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(1);
}


// The fetcher's connections to leaders: the request timeout for connecting too.
detail::LeaderChannels leader_channels(AdminClient& admin, const FetcherOptions& options) {
  BrokerChannelOptions co;
  co.client_id = options.client_id;
  co.connect_timeout = options.request_timeout;
  co.request_timeout = options.request_timeout;
  co.security = options.security;
  return detail::LeaderChannels(*admin.reactor(), co);
}

}  // namespace

Fetcher::Fetcher(std::vector<io::Endpoint> bootstrap, FetcherOptions options)
    : bootstrap_(std::move(bootstrap)), options_(std::move(options)) {}

AdminResult Fetcher::list_offsets(std::string_view topic_name, std::vector<PartitionOffsets>& out) {
  AdminOptions ao{options_.client_id, options_.backend, options_.request_timeout, options_.security};
  AdminClient admin(bootstrap_, ao);
  TopicDescription topic;
  if (AdminResult r = admin.wait_for_leaders(topic_name, 1, options_.request_timeout, &topic); !r.ok()) {
    return r;
  }
  detail::LeaderChannels leaders = leader_channels(admin, options_);
  std::map<int32_t, int64_t> earliest, latest;
  for (const auto& [leader, partitions] : by_leader(topic)) {
    AdminResult r;
    BrokerChannel* channel = leaders.get(topic, leader, r);
    if (!channel) return r;
    if (r = detail::list_earliest_and_latest(*channel, topic.name, partitions, earliest, latest,
                                             options_.request_timeout);
        !r.ok()) {
      return r;
    }
  }
  out.clear();
  for (const auto& p : topic.partitions) out.push_back({p.partition, earliest[p.partition], latest[p.partition]});
  return {};
}

AdminResult Fetcher::consume_all(std::string_view topic_name,
                                 const std::function<void(const ConsumedRecord&)>& on_record,
                                 std::chrono::milliseconds timeout, FetchSummary* summary,
                                 const std::vector<PartitionOffsets>* start_after) {
  const auto deadline = Clock::now() + timeout;
  AdminOptions ao{options_.client_id, options_.backend, options_.request_timeout, options_.security};
  AdminClient admin(bootstrap_, ao);
  TopicDescription topic;
  if (AdminResult r = admin.wait_for_leaders(topic_name, 1, left_until(deadline), &topic); !r.ok()) {
    return r;
  }
  detail::LeaderChannels leaders = leader_channels(admin, options_);
  compression::CodecSet codecs;
  std::vector<uint8_t> scratch;
  std::vector<protocol::RecordHeader> headers;
  FetchSummary local;
  FetchSummary& sum = summary ? *summary : local;
  sum = FetchSummary{};

  for (const auto& [leader, partitions] : by_leader(topic)) {
    AdminResult r;
    BrokerChannel* channel = leaders.get(topic, leader, r);
    if (!channel) return r;
    std::map<int32_t, int64_t> earliest, latest;
    if (r = detail::list_earliest_and_latest(*channel, topic.name, partitions, earliest, latest,
                                             left_until(deadline));
        !r.ok()) {
      return r;
    }
    std::map<int32_t, int64_t> position = earliest;
    if (start_after) {
      for (const PartitionOffsets& o : *start_after) {
        if (position.count(o.partition)) position[o.partition] = std::max(position[o.partition], o.latest);
      }
    }
    for (int32_t p : partitions) sum.offsets.push_back({p, position[p], latest[p]});

    while (true) {
      protocol::FetchRequest request;
      request.max_wait_ms = options_.max_wait_ms;
      request.min_bytes = 1;
      request.max_bytes = options_.max_bytes;
      protocol::FetchRequest::FetchTopic ft;
      ft.topic = topic.name;
      ft.topic_id = topic.topic_id;
      for (int32_t p : partitions) {
        if (position[p] >= latest[p]) continue;
        protocol::FetchRequest::FetchPartition fp;
        fp.partition = p;
        fp.fetch_offset = position[p];
        fp.partition_max_bytes = options_.partition_max_bytes;
        ft.partitions.push_back(fp);
      }
      if (ft.partitions.empty()) break;
      if (Clock::now() >= deadline) {
        return {AdminError::timed_out, 0,
                "reading back topic '" + topic.name + "' did not finish within " +
                    std::to_string(timeout.count()) + " ms"};
      }
      request.topics.push_back(std::move(ft));
      protocol::FetchResponse response;
      std::optional<int16_t> version = channel->version_for(protocol::ApiKey::fetch);
      if (version && *version >= 13 && topic.topic_id.is_zero()) version = 12;  // names only
      if (!version) {
        return {AdminError::broker_error, 0, channel->endpoint().to_string() + " does not support Fetch v4+"};
      }
      ChannelStatus st = channel->call(request, response, *version, left_until(deadline));
      if (!st.ok()) return from_channel(st);
      if (response.error_code != 0) {
        return {AdminError::broker_error, response.error_code,
                "Fetch from " + channel->endpoint().to_string() + " failed: " +
                    std::string(protocol::error_name(response.error_code))};
      }
      for (const auto& rt : response.responses) {
        for (const auto& pd : rt.partitions) {
          const int32_t p = pd.partition_index;
          if (!position.count(p)) continue;
          if (pd.error_code != 0) {
            return {AdminError::broker_error, pd.error_code,
                    "Fetch of " + topic.name + "-" + std::to_string(p) + " failed: " +
                        std::string(protocol::error_name(pd.error_code))};
          }
          if (!pd.records) continue;
          protocol::RecordBatchIterator batches(*pd.records);
          protocol::RecordBatchView batch;
          while (batches.next(batch)) {
            if (batch.last_offset() < position[p]) continue;
            ++sum.batches;
            if (batch.is_control()) {
              position[p] = batch.last_offset() + 1;
              continue;
            }
            protocol::RecordBatchReader reader;
            if (protocol::ReadResult rr = reader.open(batch, &codecs, scratch); !rr.ok()) {
              return {AdminError::broker_error, 0,
                      "batch at offset " + std::to_string(batch.base_offset()) + " of " + topic.name + "-" +
                          std::to_string(p) + " is unreadable: " + (rr.reason ? rr.reason : "?")};
            }
            protocol::RecordView rec;
            while (reader.next(rec)) {
              if (rec.offset < position[p] || rec.offset >= latest[p]) continue;
              headers.clear();
              protocol::RecordHeaderIterator hi(rec);
              protocol::RecordHeader h;
              while (hi.next(h)) headers.push_back(h);
              ConsumedRecord out{p, rec.offset, rec.timestamp, rec.key, rec.value, headers};
              on_record(out);
              ++sum.records;
            }
            if (!reader.result().ok()) {
              return {AdminError::broker_error, 0,
                      "records of the batch at offset " + std::to_string(batch.base_offset()) + " of " +
                          topic.name + "-" + std::to_string(p) + " do not decode: " +
                          (reader.result().reason ? reader.result().reason : "?")};
            }
            position[p] = batch.last_offset() + 1;
          }
          if (!batches.result().ok()) {
            return {AdminError::broker_error, 0,
                    "fetched data of " + topic.name + "-" + std::to_string(p) + " is corrupt: " +
                        (batches.result().reason ? batches.result().reason : "?")};
          }
        }
      }
    }
  }
  return {};
}

}  // namespace rawkafka::client
