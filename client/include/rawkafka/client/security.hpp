#pragma once
// How a client proves who it is to a secured cluster: security.protocol and the SASL settings,
// with the names users already have (Java's, plus librdkafka's sasl.username/sasl.password).
// SASL PLAIN and SCRAM-SHA-256/512 run over plaintext or TLS connections (SASL_PLAINTEXT,
// SASL_SSL); SSL is TLS alone, optionally with a client certificate (mutual TLS).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "rawkafka/io/reactor.hpp"
#include "rawkafka/io/tls.hpp"

#include "rawkafka/client/sasl.hpp"

namespace rawkafka::client {

enum class SecurityProtocol : uint8_t { plaintext, ssl, sasl_plaintext, sasl_ssl };
std::string_view to_string(SecurityProtocol protocol);  // Kafka's names: PLAINTEXT, SASL_PLAINTEXT, ...

struct SecurityConfig {
  SecurityProtocol protocol = SecurityProtocol::plaintext;  // security.protocol
  std::optional<SaslMechanismKind> sasl_mechanism;          // sasl.mechanism (Java's default, GSSAPI, is not supported)
  std::string sasl_username;                                // sasl.username, or sasl.jaas.config's username
  std::string sasl_password;                                // sasl.password, or sasl.jaas.config's password
  // TLS (SSL, SASL_SSL), PEM files only:
  //   ssl.ca.location, or ssl.truststore.location with ssl.truststore.type=PEM: the CAs to trust
  //     (empty: the system's);
  //   ssl.certificate.location + ssl.key.location, or ssl.keystore.location with
  //     ssl.keystore.type=PEM (key and certificates in one file): the client's, for mutual TLS;
  //   ssl.key.password; ssl.endpoint.identification.algorithm (https, the default, checks the
  //     broker's hostname; empty does not); enable.ssl.certificate.verification (true).
  io::TlsOptions tls;

  bool uses_sasl() const {
    return protocol == SecurityProtocol::sasl_plaintext || protocol == SecurityProtocol::sasl_ssl;
  }
  bool uses_tls() const { return protocol == SecurityProtocol::ssl || protocol == SecurityProtocol::sasl_ssl; }
  // Takes one of security.protocol, the sasl.* and ssl.* settings above; false for any other
  // key. A bad value throws ConfigError naming the key (never a password).
  bool set(std::string_view key, std::string_view value);
  // Throws ConfigError when the settings cannot work together (SASL without a mechanism or
  // credentials, a key without its certificate).
  void validate() const;
};

// The TLS context for these settings, to share between reactors: null when security.protocol
// asks for no TLS. Throws ConfigError when a certificate or key cannot be read.
std::shared_ptr<io::TlsContext> make_tls_context(const SecurityConfig& security);

// A reactor for connections with these settings: `options`' backend, wrapped in TLS when
// security.protocol asks for it, with `tls` (made here when null). Throws ConfigError as
// make_tls_context does.
std::unique_ptr<io::Reactor> make_reactor(const io::ReactorOptions& options, const SecurityConfig& security,
                                          std::shared_ptr<io::TlsContext> tls = nullptr);

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
