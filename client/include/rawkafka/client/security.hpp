#pragma once
// How a client proves who it is to a secured cluster: security.protocol and the SASL settings,
// with the names users already have (Java's, plus librdkafka's sasl.username/sasl.password).
// SASL PLAIN and SCRAM-SHA-256/512 run over plaintext connections; TLS (SSL, SASL_SSL) is not
// in this build yet and is refused with a sentence rather than connecting in the clear.

#include <optional>
#include <string>
#include <string_view>

#include "rawkafka/client/sasl.hpp"

namespace rawkafka::client {

enum class SecurityProtocol : uint8_t { plaintext, ssl, sasl_plaintext, sasl_ssl };
std::string_view to_string(SecurityProtocol protocol);  // Kafka's names: PLAINTEXT, SASL_PLAINTEXT, ...

struct SecurityConfig {
  SecurityProtocol protocol = SecurityProtocol::plaintext;  // security.protocol
  std::optional<SaslMechanismKind> sasl_mechanism;          // sasl.mechanism (Java's default, GSSAPI, is not supported)
  std::string sasl_username;                                // sasl.username, or sasl.jaas.config's username
  std::string sasl_password;                                // sasl.password, or sasl.jaas.config's password

  bool uses_sasl() const {
    return protocol == SecurityProtocol::sasl_plaintext || protocol == SecurityProtocol::sasl_ssl;
  }
  // Takes one of security.protocol, sasl.mechanism, sasl.username, sasl.password and
  // sasl.jaas.config; false for any other key. A bad value throws ConfigError naming the key
  // (never the password).
  bool set(std::string_view key, std::string_view value);
  // Throws ConfigError when the settings cannot work together (SASL without a mechanism or
  // credentials, TLS, which this build does not have).
  void validate() const;
};

// The username and password of a sasl.jaas.config line as Java writes it:
//   org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="secret";
// Throws ConfigError for another login module or a malformed line.
struct JaasCredentials {
  std::string login_module;
  std::string username;
  std::string password;
};
JaasCredentials parse_jaas_config(std::string_view text);

}  // namespace rawkafka::client
