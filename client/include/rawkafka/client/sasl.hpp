#pragma once
// The client's side of the SASL mechanisms Kafka brokers speak (KIP-43, KIP-84): PLAIN
// (RFC 4616) and SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677). No socket here: the
// connection carries each message in a SaslAuthenticate request (KIP-152) and hands the
// server's answers back; this makes the client's messages and checks the server's.
//
// Like Kafka's own client, names and passwords are used as their UTF-8 bytes, without SASLprep.
// Errors are values; none of them ever contains the password.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rawkafka::client {

enum class SaslMechanismKind : uint8_t { plain, scram_sha_256, scram_sha_512 };

// Kafka's names, as sasl.mechanism and SaslHandshake spell them: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.
std::string_view to_string(SaslMechanismKind mechanism);
// The mechanism with exactly that name (case matters, as in Kafka); nullopt for any other.
std::optional<SaslMechanismKind> parse_sasl_mechanism(std::string_view name);

// RFC 7677 asks for at least 4096 iterations; a server asking for more than the maximum is
// refused rather than left to spend the client's CPU for minutes.
inline constexpr uint32_t kScramMinIterations = 4096;
inline constexpr uint32_t kScramMaxIterations = 1'000'000;

// What one server message leads to: the client's next message, or why the exchange failed.
struct SaslStep {
  std::string message;  // the next client message; empty once the exchange is done
  std::string error;    // empty on success; a sentence that never contains the password

  bool ok() const { return error.empty(); }
};

// One authentication on one connection:
//   first()         -> send it;
//   step(answer)    -> send step.message, until done();
// PLAIN:  first() = "\0user\0password"; the server's (empty) answer ends it.
// SCRAM:  first() = "n,,n=<user>,r=<nonce>"; step(server-first) gives the client-final with
//         the proof; step(server-final) verifies the server's signature and ends it.
// Any error ends the exchange (failed()); a further step() only repeats that it failed.
class SaslExchange {
 public:
  // SCRAM's client nonce comes from OpenSSL's CSPRNG. Empty credentials, or a NUL byte in
  // them, fail the exchange from the start: error() says why and first() is empty.
  SaslExchange(SaslMechanismKind mechanism, std::string username, std::string password);
  // For tests: SCRAM with this client nonce (printable ASCII without ',') instead of a random
  // one; an empty client_nonce means a random one.
  SaslExchange(SaslMechanismKind mechanism, std::string username, std::string password,
               std::string client_nonce);
  ~SaslExchange();  // wipes the password and what was derived from it
  SaslExchange(const SaslExchange&) = delete;
  SaslExchange& operator=(const SaslExchange&) = delete;

  SaslMechanismKind mechanism() const { return mechanism_; }
  // The client's initial message (the same on every call).
  const std::string& first() const { return first_message_; }
  // Consumes the server's next message.
  SaslStep step(std::string_view server_message);
  // True once the server accepted (PLAIN) or proved it knows the password (SCRAM's v=).
  bool done() const { return state_ == State::done; }
  bool failed() const { return state_ == State::failed; }
  const std::string& error() const { return error_; }  // why it failed; empty otherwise

 private:
  enum class State : uint8_t { awaiting_server_first, awaiting_server_final, done, failed };

  SaslStep fail(std::string why);
  SaslStep on_server_first(std::string_view server_first);
  SaslStep on_server_final(std::string_view server_final);

  SaslMechanismKind mechanism_;
  State state_;
  std::string username_;
  std::string password_;
  std::string client_nonce_;
  std::string client_first_bare_;  // SCRAM: "n=<user>,r=<nonce>", the start of AuthMessage
  std::string first_message_;
  std::vector<uint8_t> expected_server_signature_;  // SCRAM: known after the server-first
  std::string error_;
};

// The sentences both the request-response channel and the producer core report (never with
// the password): "authentication failed for user 'alice' at 127.0.0.1:9092 with SCRAM-SHA-512:
// <why>"; what a SaslHandshake refusal lists; a SaslAuthenticate error as the broker gave it.
std::string sasl_failure(std::string_view username, std::string_view where, SaslMechanismKind mechanism,
                         std::string_view why);
std::string sasl_mechanism_not_enabled(SaslMechanismKind mechanism, const std::vector<std::string>& enabled);
std::string sasl_broker_error(int16_t error_code, const std::optional<std::string>& error_message);

}  // namespace rawkafka::client
