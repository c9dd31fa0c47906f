#include <doctest/doctest.h>

#include "rawkafka/protocol/errors.hpp"

using namespace rawkafka::protocol;

TEST_CASE("error codes carry the protocol's numbers") {
  static_assert(int16_t(ErrorCode::UNKNOWN_SERVER_ERROR) == -1);
  static_assert(int16_t(ErrorCode::NONE) == 0);
  static_assert(int16_t(ErrorCode::OFFSET_OUT_OF_RANGE) == 1);
  static_assert(int16_t(ErrorCode::CORRUPT_MESSAGE) == 2);
  static_assert(int16_t(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) == 3);
  static_assert(int16_t(ErrorCode::NOT_LEADER_OR_FOLLOWER) == 6);
  static_assert(int16_t(ErrorCode::MESSAGE_TOO_LARGE) == 10);
  static_assert(int16_t(ErrorCode::NOT_ENOUGH_REPLICAS) == 19);
  static_assert(int16_t(ErrorCode::TOPIC_AUTHORIZATION_FAILED) == 29);
  static_assert(int16_t(ErrorCode::UNSUPPORTED_VERSION) == 35);
  static_assert(int16_t(ErrorCode::TOPIC_ALREADY_EXISTS) == 36);
  static_assert(int16_t(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER) == 45);
  static_assert(int16_t(ErrorCode::DUPLICATE_SEQUENCE_NUMBER) == 46);
  static_assert(int16_t(ErrorCode::INVALID_PRODUCER_EPOCH) == 47);
  static_assert(int16_t(ErrorCode::KAFKA_STORAGE_ERROR) == 56);
  static_assert(int16_t(ErrorCode::SASL_AUTHENTICATION_FAILED) == 58);
  static_assert(int16_t(ErrorCode::UNKNOWN_PRODUCER_ID) == 59);
  static_assert(int16_t(ErrorCode::FENCED_LEADER_EPOCH) == 74);
  static_assert(int16_t(ErrorCode::UNSUPPORTED_COMPRESSION_TYPE) == 76);
  static_assert(int16_t(ErrorCode::INVALID_RECORD) == 87);
  static_assert(int16_t(ErrorCode::THROTTLING_QUOTA_EXCEEDED) == 89);
  static_assert(int16_t(ErrorCode::PRODUCER_FENCED) == 90);
  static_assert(int16_t(ErrorCode::UNKNOWN_TOPIC_ID) == 100);
  static_assert(int16_t(ErrorCode::TRANSACTION_ABORTABLE) == 120);
  CHECK(error_name(ErrorCode::NOT_LEADER_OR_FOLLOWER) == "NOT_LEADER_OR_FOLLOWER");
  CHECK(error_name(int16_t(-1)) == "UNKNOWN_SERVER_ERROR");
  CHECK(error_name(int16_t(0)) == "NONE");
  CHECK(error_name(int16_t(87)) == "INVALID_RECORD");
}

TEST_CASE("every code from -1 to the last has a name and, except NONE, a message") {
  for (int code = -1; code <= 133; ++code) {
    CAPTURE(code);
    CHECK(is_known_error(int16_t(code)));
    CHECK(error_name(int16_t(code)) != "UNKNOWN_ERROR_CODE");
    CHECK(error_message(int16_t(code)).empty() == (code == 0));
  }
}

TEST_CASE("unknown codes are reported as unknown and not retriable") {
  for (int16_t code : {int16_t(-2), int16_t(-32768), int16_t(500), int16_t(32767)}) {
    CAPTURE(code);
    CHECK_FALSE(is_known_error(code));
    CHECK(error_name(code) == "UNKNOWN_ERROR_CODE");
    CHECK_FALSE(error_message(code).empty());
    CHECK_FALSE(is_retriable(code));
  }
}

TEST_CASE("retriable matches the Java client's RetriableException subclasses") {
  for (ErrorCode e : {ErrorCode::CORRUPT_MESSAGE, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, ErrorCode::LEADER_NOT_AVAILABLE,
                      ErrorCode::NOT_LEADER_OR_FOLLOWER, ErrorCode::REQUEST_TIMED_OUT, ErrorCode::REPLICA_NOT_AVAILABLE,
                      ErrorCode::NETWORK_EXCEPTION, ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
                      ErrorCode::COORDINATOR_NOT_AVAILABLE, ErrorCode::NOT_COORDINATOR, ErrorCode::NOT_ENOUGH_REPLICAS,
                      ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode::NOT_CONTROLLER,
                      ErrorCode::KAFKA_STORAGE_ERROR, ErrorCode::FENCED_LEADER_EPOCH, ErrorCode::UNKNOWN_LEADER_EPOCH,
                      ErrorCode::OFFSET_NOT_AVAILABLE, ErrorCode::THROTTLING_QUOTA_EXCEEDED,
                      ErrorCode::UNKNOWN_TOPIC_ID, ErrorCode::INCONSISTENT_TOPIC_ID}) {
    CAPTURE(error_name(e));
    CHECK(is_retriable(e));
  }
  for (ErrorCode e : {ErrorCode::NONE, ErrorCode::UNKNOWN_SERVER_ERROR, ErrorCode::OFFSET_OUT_OF_RANGE,
                      ErrorCode::BROKER_NOT_AVAILABLE, ErrorCode::MESSAGE_TOO_LARGE, ErrorCode::RECORD_LIST_TOO_LARGE,
                      ErrorCode::INVALID_REQUIRED_ACKS, ErrorCode::TOPIC_AUTHORIZATION_FAILED,
                      ErrorCode::CLUSTER_AUTHORIZATION_FAILED, ErrorCode::UNSUPPORTED_VERSION,
                      ErrorCode::TOPIC_ALREADY_EXISTS, ErrorCode::INVALID_PARTITIONS,
                      ErrorCode::INVALID_REPLICATION_FACTOR, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
                      ErrorCode::DUPLICATE_SEQUENCE_NUMBER, ErrorCode::INVALID_PRODUCER_EPOCH,
                      ErrorCode::UNKNOWN_PRODUCER_ID, ErrorCode::UNSUPPORTED_COMPRESSION_TYPE,
                      ErrorCode::INVALID_RECORD, ErrorCode::PRODUCER_FENCED, ErrorCode::SASL_AUTHENTICATION_FAILED,
                      ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode::INVALID_TIMESTAMP}) {
    CAPTURE(error_name(e));
    CHECK_FALSE(is_retriable(e));
  }
}
