#pragma once
// Every Kafka API message this library implements.

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/messages/api_versions.hpp"
#include "rawkafka/protocol/messages/create_topics.hpp"
#include "rawkafka/protocol/messages/fetch.hpp"
#include "rawkafka/protocol/messages/init_producer_id.hpp"
#include "rawkafka/protocol/messages/list_offsets.hpp"
#include "rawkafka/protocol/messages/metadata.hpp"
#include "rawkafka/protocol/messages/produce.hpp"
#include "rawkafka/protocol/messages/sasl_authenticate.hpp"
#include "rawkafka/protocol/messages/sasl_handshake.hpp"
