// libFuzzer target for the client's SCRAM exchange: a broker's server-first and server-final
// messages are whatever the input says. The first byte picks SCRAM-SHA-256 or -512; the rest
// is the server-first, a '\n', then the server-final (RFC 7677's credentials and client nonce,
// so its example exchange is a seed that reaches done()).
// Invariants: every step either gives the next message or fails with a sentence that does not
// contain the password; a failed exchange stays failed; the client-final answers the server's
// nonce; done() only after a server-final that verified; nothing after done() is accepted.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rawkafka/client/sasl.hpp"

using rawkafka::client::SaslExchange;
using rawkafka::client::SaslMechanismKind;
using rawkafka::client::SaslStep;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::string_view kPassword = "pencil";
constexpr std::string_view kClientNonce = "rOprNGfwEbeRWgbNEkqO";

// PBKDF2 with a large count costs the fuzzer a second per input and tests nothing the parser
// did not already decide; the unit tests cover the limits.
bool asks_for_many_iterations(std::string_view server_first) {
  const size_t at = server_first.find(",i=");
  if (at == std::string_view::npos) return false;
  uint64_t count = 0;
  for (size_t k = at + 3; k < server_first.size() && server_first[k] >= '0' && server_first[k] <= '9'; ++k) {
    count = count * 10 + uint64_t(server_first[k] - '0');
    if (count > 20000) return true;
  }
  return false;
}

void check_step(const SaslExchange& exchange, const SaslStep& step) {
  if (step.ok()) {
    check(!exchange.failed());
    return;
  }
  check(step.message.empty());
  check(exchange.failed() && !exchange.done());
  check(exchange.error() == step.error);
  check(step.error.find(kPassword) == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const SaslMechanismKind mechanism =
      data[0] & 1 ? SaslMechanismKind::scram_sha_512 : SaslMechanismKind::scram_sha_256;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t newline = input.find('\n');
  const std::string_view server_first = input.substr(0, newline);
  const std::string_view server_final =
      newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  if (asks_for_many_iterations(server_first)) return 0;

  SaslExchange exchange(mechanism, "user", std::string(kPassword), std::string(kClientNonce));
  check(exchange.first() == "n,,n=user,r=" + std::string(kClientNonce));

  const SaslStep final_step = exchange.step(server_first);
  check_step(exchange, final_step);
  if (!final_step.ok()) {
    check(!exchange.step(server_final).ok());  // stays failed
    return 0;
  }
  // The server-first began "r=<our nonce><more>,": the client-final echoes that whole nonce.
  check(!exchange.done());
  const size_t nonce_end = server_first.find(',');
  check(server_first.substr(0, 2 + kClientNonce.size()) == "r=" + std::string(kClientNonce));
  const std::string without_proof = "c=biws," + std::string(server_first.substr(0, nonce_end));
  check(final_step.message.starts_with(without_proof + ",p="));
  // The proof is one digest in base64: 44 characters for SHA-256, 88 for SHA-512.
  const size_t proof_size = mechanism == SaslMechanismKind::scram_sha_512 ? 88 : 44;
  check(final_step.message.size() == without_proof.size() + 3 + proof_size);

  const SaslStep end = exchange.step(server_final);
  check_step(exchange, end);
  check(end.ok() == exchange.done());
  check(end.message.empty());
  if (end.ok()) check(!exchange.step(server_final).ok());  // nothing after done()
  return 0;
}
