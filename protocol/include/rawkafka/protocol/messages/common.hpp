#pragma once
// Small structures several messages share (same JSON shape in each message).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

// Produce v10+ / Fetch v12+ CurrentLeader (a tagged field; -1 = unknown).
struct LeaderIdAndEpoch {
  int32_t leader_id = -1;
  int32_t leader_epoch = -1;
  bool is_default() const { return leader_id == -1 && leader_epoch == -1; }
  friend bool operator==(const LeaderIdAndEpoch&, const LeaderIdAndEpoch&) = default;
};

// Produce v10+ / Fetch v16+ NodeEndpoints (a tagged field): brokers that a
// NOT_LEADER_OR_FOLLOWER answer points to (KIP-951).
struct NodeEndpoint {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  friend bool operator==(const NodeEndpoint&, const NodeEndpoint&) = default;
};

// Content equality for record views (std::span has no operator==).
inline bool same_bytes(const std::optional<Bytes>& a, const std::optional<Bytes>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->size() == b->size() && std::equal(a->begin(), a->end(), b->begin());
}

}  // namespace rawkafka::protocol
