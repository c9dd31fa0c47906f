#pragma once
// Serves one accepted TCP connection on the calling thread until the peer closes it: reads
// frames into one large buffer, answers each with KafkaResponder, and writes all answers of a
// read back with one send().

#include "null_sink/kafka_responder.hpp"
#include "null_sink/sink_stats.hpp"

namespace rawkafka::bench {

void serve_connection(int fd, const SinkConfig& config, SinkStats& stats, PartitionOffsets& offsets);

}  // namespace rawkafka::bench
