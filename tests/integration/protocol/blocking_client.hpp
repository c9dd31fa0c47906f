#pragma once
// A plain blocking TCP connection that sends one request and reads its response, using the
// protocol codecs directly. Only for tests: no pipelining, no reconnects.

#include <cstdint>
#include <string>
#include <vector>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::testing {

class BlockingClient {
 public:
  // Connects to "host:port"; connected() tells whether it worked, error() why not.
  explicit BlockingClient(const std::string& address);
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

  // Sends `request` as `key` at `version` and decodes the response into `response`. The
  // response's views (records) point into an internal buffer valid until the next call.
  // Returns false, with error() set, on I/O failure, a correlation id mismatch, a response
  // that does not decode or that leaves bytes unread.
  template <class Request, class Response>
  bool call(protocol::ApiKey key, int16_t version, const Request& request, Response& response) {
    std::vector<uint8_t> frame;
    protocol::Writer w(frame);
    int32_t correlation_id = ++correlation_;
    size_t at = protocol::begin_request(w, key, version, correlation_id, "rawkafka-protocol-test");
    request.encode(w, version);
    protocol::end_frame(w, at);
    w.finish();
    if (!exchange(frame)) return false;
    protocol::Reader r(response_.data(), response_.size());
    int32_t got = 0;
    if (!protocol::read_response_header(r, key, version, got)) return fail("short response header");
    if (got != correlation_id) return fail("correlation id mismatch");
    if (!response.decode(r, version)) return fail("response does not decode");
    if (!r.empty()) return fail(std::to_string(r.remaining()) + " response bytes left unread");
    return true;
  }

 private:
  bool exchange(const std::vector<uint8_t>& frame);
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  int fd_ = -1;
  int32_t correlation_ = 0;
  std::vector<uint8_t> response_;
  std::string error_;
};

}  // namespace rawkafka::testing
