#include "fixtures.hpp"

namespace rawkafka::protocol::fixtures {

namespace {

Uuid uuid_from(uint8_t first) {
  Uuid u;
  for (size_t i = 0; i < u.bytes.size(); ++i) u.bytes[i] = uint8_t(first + i);
  return u;
}
const Uuid alpha_id = uuid_from(0x10);
const Uuid beta_id = uuid_from(0x20);

std::vector<uint8_t> make_pattern(size_t n, unsigned mul, unsigned add) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(i * mul + add);
  return b;
}
// Record bytes the fixtures point at (records are views).
const std::vector<uint8_t>& produce_records() {
  static const std::vector<uint8_t> b = make_pattern(70, 7, 3);
  return b;
}
const std::vector<uint8_t>& fetch_records() {
  static const std::vector<uint8_t> b = make_pattern(90, 13, 1);
  return b;
}

}  // namespace

ProduceRequest produce_request(int16_t v) {
  ProduceRequest r;
  if (v % 2 == 0) r.transactional_id = "txn-1";
  r.acks = -1;
  r.timeout_ms = 1500;
  ProduceRequest::TopicData t;
  if (v <= 12) {
    t.name = "alpha";
  } else {
    t.topic_id = alpha_id;
  }
  t.partition_data.push_back({0, Bytes(produce_records())});
  t.partition_data.push_back({3, std::nullopt});
  r.topic_data.push_back(t);
  return r;
}

ProduceResponse produce_response(int16_t v) {
  ProduceResponse r;
  ProduceResponse::TopicResponse t;
  if (v <= 12) {
    t.name = "alpha";
  } else {
    t.topic_id = alpha_id;
  }
  ProduceResponse::PartitionResponse p0;
  p0.index = 0;
  p0.base_offset = 1234;
  p0.log_append_time_ms = 99;
  if (v >= 5) p0.log_start_offset = 7;
  if (v >= 8) {
    p0.record_errors.push_back({2, "bad"});
    p0.record_errors.push_back({3, std::nullopt});
    p0.error_message = "oops";
  }
  if (v >= 10) p0.current_leader = {1, 9};
  ProduceResponse::PartitionResponse p1;
  p1.index = 3;
  p1.error_code = 6;
  p1.base_offset = -1;
  t.partition_responses = {p0, p1};
  r.responses.push_back(t);
  r.throttle_time_ms = 5;
  if (v >= 10) r.node_endpoints.push_back({1, "h1", 9092, "rA"});
  return r;
}

FetchRequest fetch_request(int16_t v) {
  FetchRequest r;
  r.replica_id = -1;
  r.max_wait_ms = 500;
  r.min_bytes = 1;
  r.max_bytes = 52428800;
  r.isolation_level = 1;
  if (v >= 7) {
    r.session_id = 12;
    r.session_epoch = 3;
  }
  FetchRequest::FetchTopic t;
  if (v <= 12) {
    t.topic = "alpha";
  } else {
    t.topic_id = alpha_id;
  }
  FetchRequest::FetchPartition p0;
  p0.partition = 0;
  if (v >= 9) p0.current_leader_epoch = 4;
  p0.fetch_offset = 100;
  if (v >= 12) p0.last_fetched_epoch = 3;
  p0.partition_max_bytes = 1048576;
  FetchRequest::FetchPartition p1;
  p1.partition = 1;
  p1.fetch_offset = 0;
  p1.partition_max_bytes = 65536;
  t.partitions = {p0, p1};
  r.topics.push_back(t);
  if (v >= 7) {
    FetchRequest::ForgottenTopic f;
    if (v <= 12) {
      f.topic = "beta";
    } else {
      f.topic_id = beta_id;
    }
    f.partitions = {5, 6};
    r.forgotten_topics_data.push_back(f);
  }
  if (v >= 11) r.rack_id = "rack-a";
  return r;
}

FetchResponse fetch_response(int16_t v) {
  FetchResponse r;
  r.throttle_time_ms = 2;
  if (v >= 7) r.session_id = 12;
  FetchResponse::FetchableTopicResponse t;
  if (v <= 12) {
    t.topic = "alpha";
  } else {
    t.topic_id = alpha_id;
  }
  FetchResponse::PartitionData p0;
  p0.partition_index = 0;
  p0.high_watermark = 200;
  p0.last_stable_offset = 190;
  if (v >= 5) p0.log_start_offset = 5;
  if (v >= 12) {
    p0.diverging_epoch = {3, 150};
    p0.current_leader = {1, 4};
  }
  p0.aborted_transactions = std::vector<FetchResponse::AbortedTransaction>{{9000, 120}};
  if (v >= 11) p0.preferred_read_replica = 2;
  p0.records = Bytes(fetch_records());
  FetchResponse::PartitionData p1;
  p1.partition_index = 1;
  p1.error_code = 1;
  p1.high_watermark = -1;
  t.partitions = {p0, p1};
  r.responses.push_back(t);
  if (v >= 16) r.node_endpoints.push_back({1, "h1", 9092, std::nullopt});
  return r;
}

ListOffsetsRequest list_offsets_request(int16_t v) {
  ListOffsetsRequest r;
  r.replica_id = -1;
  if (v >= 2) r.isolation_level = 1;
  ListOffsetsRequest::ListOffsetsTopic t;
  t.name = "alpha";
  ListOffsetsRequest::ListOffsetsPartition p0;
  p0.partition_index = 0;
  if (v >= 4) p0.current_leader_epoch = 4;
  p0.timestamp = -1;
  ListOffsetsRequest::ListOffsetsPartition p1;
  p1.partition_index = 1;
  p1.timestamp = 1700000000000;
  t.partitions = {p0, p1};
  r.topics.push_back(t);
  if (v >= 10) r.timeout_ms = 5000;
  return r;
}

ListOffsetsResponse list_offsets_response(int16_t v) {
  ListOffsetsResponse r;
  if (v >= 2) r.throttle_time_ms = 3;
  ListOffsetsResponse::ListOffsetsTopicResponse t;
  t.name = "alpha";
  ListOffsetsResponse::ListOffsetsPartitionResponse p0;
  p0.partition_index = 0;
  p0.timestamp = -1;
  p0.offset = 42;
  if (v >= 4) p0.leader_epoch = 4;
  ListOffsetsResponse::ListOffsetsPartitionResponse p1;
  p1.partition_index = 1;
  p1.error_code = 1;
  p1.timestamp = 1700000000000;
  p1.offset = 7;
  if (v >= 4) p1.leader_epoch = 2;
  t.partitions = {p0, p1};
  r.topics.push_back(t);
  return r;
}

MetadataRequest metadata_request(int16_t v) {
  MetadataRequest r;
  MetadataRequest::Topic t0;
  t0.name = "alpha";
  if (v >= 10) t0.topic_id = alpha_id;
  MetadataRequest::Topic t1;
  t1.name = "beta";
  r.topics = std::vector<MetadataRequest::Topic>{t0, t1};
  if (v >= 4) r.allow_auto_topic_creation = false;
  if (v >= 8 && v <= 10) r.include_cluster_authorized_operations = true;
  if (v >= 8) r.include_topic_authorized_operations = true;
  return r;
}

MetadataResponse metadata_response(int16_t v) {
  MetadataResponse r;
  if (v >= 3) r.throttle_time_ms = 11;
  MetadataResponse::Broker b0{1, "broker-1.local", 9092, std::nullopt};
  if (v >= 1) b0.rack = "r1";
  MetadataResponse::Broker b1{2, "b2", 9093, std::nullopt};
  r.brokers = {b0, b1};
  if (v >= 2) r.cluster_id = "cluster-xyz";
  r.controller_id = -1;
  if (v >= 1) r.controller_id = 1;
  MetadataResponse::Topic t0;
  t0.name = "alpha";
  if (v >= 10) t0.topic_id = alpha_id;
  MetadataResponse::Partition pa;
  pa.partition_index = 0;
  pa.leader_id = 1;
  if (v >= 7) pa.leader_epoch = 5;
  pa.replica_nodes = {1, 2};
  pa.isr_nodes = {1};
  if (v >= 5) pa.offline_replicas = {2};
  MetadataResponse::Partition pb;
  pb.error_code = 6;
  pb.partition_index = 1;
  pb.leader_id = 2;
  if (v >= 7) pb.leader_epoch = 6;
  pb.replica_nodes = {2};
  pb.isr_nodes = {2};
  t0.partitions = {pa, pb};
  if (v >= 8) t0.topic_authorized_operations = 0x0ff8;
  MetadataResponse::Topic t1;
  t1.error_code = 3;
  t1.name = "gamma";
  if (v >= 1) t1.is_internal = true;
  if (v >= 8) t1.topic_authorized_operations = 0;
  r.topics = {t0, t1};
  if (v >= 8 && v <= 10) r.cluster_authorized_operations = 0x77;
  if (v >= 13) r.error_code = 1;
  return r;
}

ApiVersionsRequest api_versions_request(int16_t v) {
  ApiVersionsRequest r;
  if (v >= 3) {
    r.client_software_name = "rawkafka";
    r.client_software_version = "0.1.0-test";
  }
  if (v >= 5) {
    r.cluster_id = "cluster-xyz";
    r.node_id = 1;
  }
  return r;
}

ApiVersionsResponse api_versions_response(int16_t v) {
  ApiVersionsResponse r;
  r.api_keys = {{ApiKey::produce, 3, 13}, {ApiKey::fetch, 4, 17}, {ApiKey::api_versions, 0, 4}};
  if (v >= 1) r.throttle_time_ms = 7;
  if (v >= 3) {
    r.supported_features.push_back({"metadata.version", 1, 28});
    r.finalized_features_epoch = 42;
    r.finalized_features.push_back({"metadata.version", 28, 1});
    r.zk_migration_ready = true;
  }
  return r;
}

CreateTopicsRequest create_topics_request(int16_t v) {
  CreateTopicsRequest r;
  CreateTopicsRequest::CreatableTopic t0;
  t0.name = "alpha";
  t0.num_partitions = 3;
  t0.replication_factor = 1;
  t0.configs = {{"cleanup.policy", "compact"}, {"retention.ms", std::nullopt}};
  CreateTopicsRequest::CreatableTopic t1;
  t1.name = "beta";
  t1.num_partitions = -1;
  t1.replication_factor = -1;
  t1.assignments = {{0, {1, 2}}, {1, {2, 1}}};
  r.topics = {t0, t1};
  r.timeout_ms = 30000;
  if (v >= 1) r.validate_only = true;
  return r;
}

CreateTopicsResponse create_topics_response(int16_t v) {
  CreateTopicsResponse r;
  if (v >= 2) r.throttle_time_ms = 4;
  CreateTopicsResponse::CreatableTopicResult t0;
  t0.name = "alpha";
  if (v >= 7) t0.topic_id = alpha_id;
  if (v >= 5) {
    t0.num_partitions = 3;
    t0.replication_factor = 1;
    t0.configs = std::vector<CreateTopicsResponse::CreatableTopicConfigs>{
        {"cleanup.policy", "compact", false, 5, false}};
  }
  CreateTopicsResponse::CreatableTopicResult t1;
  t1.name = "beta";
  t1.error_code = 36;
  if (v >= 1) t1.error_message = "Topic 'beta' already exists.";
  if (v >= 5) t1.topic_config_error_code = 29;
  r.topics = {t0, t1};
  return r;
}

InitProducerIdRequest init_producer_id_request(int16_t v) {
  InitProducerIdRequest r;
  if (v % 2 == 0) r.transactional_id = "txn-2";
  r.transaction_timeout_ms = 60000;
  if (v >= 3) {
    r.producer_id = 4242;
    r.producer_epoch = 3;
  }
  return r;
}

InitProducerIdResponse init_producer_id_response(int16_t) {
  InitProducerIdResponse r;
  r.throttle_time_ms = 1;
  r.producer_id = 777;
  r.producer_epoch = 2;
  return r;
}

SaslHandshakeRequest sasl_handshake_request(int16_t) { return {"PLAIN"}; }

SaslHandshakeResponse sasl_handshake_response(int16_t) {
  SaslHandshakeResponse r;
  r.mechanisms = {"PLAIN", "SCRAM-SHA-256"};
  return r;
}

SaslAuthenticateRequest sasl_authenticate_request(int16_t) {
  static const char auth[] = "\0user\0pass";
  SaslAuthenticateRequest r;
  r.auth_bytes.assign(auth, auth + sizeof(auth) - 1);
  return r;
}

SaslAuthenticateResponse sasl_authenticate_response(int16_t v) {
  SaslAuthenticateResponse r;
  r.error_message = "fine";
  r.auth_bytes = {'s', 'r', 'v'};
  if (v >= 1) r.session_lifetime_ms = 3600000;
  return r;
}

namespace {

template <class Message>
Codec make_codec(Message (*fixture)(int16_t)) {
  Codec c;
  c.encode_fixture = [fixture](int16_t v) {
    std::vector<uint8_t> out;
    Writer w(out);
    fixture(v).encode(w, v);
    w.finish();
    return out;
  };
  c.decode_and_compare = [fixture](const std::vector<uint8_t>& bytes, int16_t v,
                                   std::vector<uint8_t>& reencoded, std::string& why) {
    Reader r(bytes.data(), bytes.size());
    Message m;
    if (!m.decode(r, v)) {
      why = "decode failed";
      return false;
    }
    if (!r.empty()) {
      why = std::to_string(r.remaining()) + " bytes left after decode";
      return false;
    }
    reencoded.clear();
    Writer w(reencoded);
    m.encode(w, v);
    w.finish();
    if (!(m == fixture(v))) {
      why = "decoded message differs from the fixture";
      return false;
    }
    return true;
  };
  c.decode_only = [](Bytes bytes, int16_t v) {
    Reader r(bytes);
    Message m;
    return m.decode(r, v);
  };
  return c;
}

}  // namespace

const std::vector<MessageCase>& all_cases() {
  static const std::vector<MessageCase> cases = {
      {"produce", "request", ProduceRequest::traits, make_codec(&produce_request), ProduceRequest::traits.max_version},
      {"produce", "response", ProduceRequest::traits, make_codec(&produce_response), ProduceRequest::traits.max_version},
      {"fetch", "request", FetchRequest::traits, make_codec(&fetch_request), FetchRequest::traits.max_version},
      {"fetch", "response", FetchRequest::traits, make_codec(&fetch_response), FetchRequest::traits.max_version},
      {"list_offsets", "request", ListOffsetsRequest::traits, make_codec(&list_offsets_request), ListOffsetsRequest::traits.max_version},
      {"list_offsets", "response", ListOffsetsRequest::traits, make_codec(&list_offsets_response), ListOffsetsRequest::traits.max_version},
      {"metadata", "request", MetadataRequest::traits, make_codec(&metadata_request), MetadataRequest::traits.max_version},
      {"metadata", "response", MetadataRequest::traits, make_codec(&metadata_response), MetadataRequest::traits.max_version},
      {"sasl_handshake", "request", SaslHandshakeRequest::traits, make_codec(&sasl_handshake_request), SaslHandshakeRequest::traits.max_version},
      {"sasl_handshake", "response", SaslHandshakeRequest::traits, make_codec(&sasl_handshake_response), SaslHandshakeRequest::traits.max_version},
      {"api_versions", "request", ApiVersionsRequest::traits, make_codec(&api_versions_request),
       ApiVersionsRequest::codec_max_version},
      {"api_versions", "response", ApiVersionsRequest::traits, make_codec(&api_versions_response),
       ApiVersionsRequest::codec_max_version},
      {"create_topics", "request", CreateTopicsRequest::traits, make_codec(&create_topics_request), CreateTopicsRequest::traits.max_version},
      {"create_topics", "response", CreateTopicsRequest::traits, make_codec(&create_topics_response), CreateTopicsRequest::traits.max_version},
      {"init_producer_id", "request", InitProducerIdRequest::traits, make_codec(&init_producer_id_request), InitProducerIdRequest::traits.max_version},
      {"init_producer_id", "response", InitProducerIdRequest::traits, make_codec(&init_producer_id_response), InitProducerIdRequest::traits.max_version},
      {"sasl_authenticate", "request", SaslAuthenticateRequest::traits, make_codec(&sasl_authenticate_request), SaslAuthenticateRequest::traits.max_version},
      {"sasl_authenticate", "response", SaslAuthenticateRequest::traits, make_codec(&sasl_authenticate_response), SaslAuthenticateRequest::traits.max_version},
  };
  return cases;
}

}  // namespace rawkafka::protocol::fixtures
