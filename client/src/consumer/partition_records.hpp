#pragma once
// One partition's records in a Fetch response, without sockets: the header walk that tells
// where the next fetch starts (done before the records are parsed, so the next Fetch can go
// out first) and the delivery of batches and records to a ConsumerHandler. Pure functions of
// the bytes: the fuzz target drives them with whatever a broker could send.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "rawkafka/client/consumer.hpp"
#include "rawkafka/compression/codecs.hpp"
#include "rawkafka/protocol/messages/fetch.hpp"
#include "rawkafka/protocol/record_batch.hpp"

namespace rawkafka::client::detail {

// Where the complete batches of a partition's records end.
struct BatchScan {
  int64_t next_offset = 0;       // where the next fetch starts (the position when nothing moved)
  int32_t last_epoch = -1;       // partitionLeaderEpoch of the last complete batch; -1 when none
  const char* stuck = nullptr;   // set when the batch at the position cannot be read at all
};

// Walks the batch headers (lengths and offsets, no CRC) from `position`. A batch cut short at
// the end is where the next fetch starts again. A legacy (v0/v1) message set or a header whose
// length is impossible sets `stuck`: there is no way past it.
BatchScan scan_batches(protocol::Bytes records, int64_t position);

// Records a core may still hand out (run()'s record limit), shared by the cores.
class RecordBudget {
 public:
  virtual ~RecordBudget() = default;
  // Takes up to `wanted` records; returns how many may be delivered.
  virtual uint64_t claim(uint64_t wanted) = 0;
  // Returns records claimed but not delivered (a batch that did not decode).
  virtual void refund(uint64_t records) = 0;
};

struct DeliveryCounts {
  uint64_t records = 0;
  uint64_t record_bytes = 0;  // key + value
  uint64_t batches = 0;
  uint64_t batch_bytes = 0;
  uint64_t corrupt = 0;
  uint64_t undecodable = 0;
  bool budget_spent = false;  // the record limit stopped delivery
};

// How a core reads batches: what it delivers and checks, and its scratch space.
class RecordDelivery {
 public:
  RecordDelivery(Delivery delivery, bool check_crcs, IsolationLevel isolation)
      : delivery_(delivery), check_crcs_(check_crcs), isolation_(isolation) {}

  // Hands `handler` the batches and records of `records` with offsets in [from, to): batches
  // whose CRC fails or that do not decode are reported (on_error) and skipped, control batches
  // and (read_committed) aborted transactions' records are not delivered.
  DeliveryCounts deliver(std::string_view topic, int32_t partition, protocol::Bytes records, int64_t from,
                         int64_t to, const std::optional<std::vector<protocol::FetchResponse::AbortedTransaction>>& aborted,
                         RecordBudget* budget, ConsumerHandler& handler);

 private:
  void report(ConsumerHandler& handler, ConsumeErrorKind kind, std::string_view topic, int32_t partition,
              int64_t offset, const char* what, const char* reason);

  Delivery delivery_;
  bool check_crcs_;
  IsolationLevel isolation_;
  compression::CodecSet codecs_;
  std::vector<uint8_t> scratch_;
  std::vector<int64_t> aborted_producers_;  // read_committed: transactions being skipped
};

}  // namespace rawkafka::client::detail
