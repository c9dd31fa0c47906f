#include "rawkafka/client/sasl.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <utility>

#include "rawkafka/protocol/errors.hpp"

namespace rawkafka::client {

namespace {

// Kafka's SaslAuthenticate answers carry ~100-byte SCRAM messages; anything near this is not one.
constexpr size_t kMaxServerMessage = 16 * 1024;
constexpr size_t kClientNonceBytes = 24;  // 32 base64 characters, as many as Kafka's own client

bool is_scram(SaslMechanismKind m) { return m != SaslMechanismKind::plain; }

const EVP_MD* scram_digest(SaslMechanismKind m) {
  return m == SaslMechanismKind::scram_sha_512 ? EVP_sha512() : EVP_sha256();
}

// --- base64 (RFC 4648, with padding) ----------------------------------------------------------

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const uint8_t* data, size_t size) {
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    const uint32_t n = uint32_t(data[i]) << 16 | (i + 1 < size ? uint32_t(data[i + 1]) << 8 : 0u) |
                       (i + 2 < size ? uint32_t(data[i + 2]) : 0u);
    out += kBase64Alphabet[n >> 18 & 63];
    out += kBase64Alphabet[n >> 12 & 63];
    out += i + 1 < size ? kBase64Alphabet[n >> 6 & 63] : '=';
    out += i + 2 < size ? kBase64Alphabet[n & 63] : '=';
  }
  return out;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// nullopt unless `text` is the canonical encoding: whole 4-character groups of the alphabet,
// '=' only as the padding of the last group.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const size_t padding = !last ? 0 : text[i + 3] != '=' ? 0 : text[i + 2] != '=' ? 1 : 2;
    uint32_t n = 0;
    for (size_t k = 0; k < 4; ++k) {
      const int v = k < 4 - padding ? base64_value(text[i + k]) : 0;
      if (v < 0) return std::nullopt;
      n = n << 6 | uint32_t(v);
    }
    // RFC 4648 section 3.5: the bits the padding leaves over are zero in a canonical encoding.
    if ((padding == 1 && (n & 0xff) != 0) || (padding == 2 && (n & 0xffff) != 0)) return std::nullopt;
    out.push_back(uint8_t(n >> 16));
    if (padding < 2) out.push_back(uint8_t(n >> 8));
    if (padding < 1) out.push_back(uint8_t(n));
  }
  return out;
}

// --- RFC 5802 section 5.1: messages are "a=value" attributes joined by ',' ---------------------

struct Attribute {
  char name;
  std::string_view value;
};

// nullopt when some part is not a letter, '=' and a value (an empty value is allowed here and
// judged by the attribute's reader).
std::optional<std::vector<Attribute>> split_attributes(std::string_view message) {
  std::vector<Attribute> out;
  while (true) {
    const size_t comma = message.find(',');
    const std::string_view part = message.substr(0, comma);
    const bool letter = part.size() >= 2 && ((part[0] >= 'a' && part[0] <= 'z') || (part[0] >= 'A' && part[0] <= 'Z'));
    if (!letter || part[1] != '=') return std::nullopt;
    out.push_back({part[0], part.substr(2)});
    if (comma == std::string_view::npos) return out;
    message.remove_prefix(comma + 1);
  }
}

// RFC 5802's "printable": %x21-2B / %x2D-7E, what a nonce is made of.
bool printable_nonce(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return !s.empty();
}

// RFC 5802 saslname: ',' and '=' escaped as =2C and =3D.
std::string sasl_name(std::string_view username) {
  std::string out;
  for (char c : username) {
    if (c == ',') out += "=2C";
    else if (c == '=') out += "=3D";
    else out += c;
  }
  return out;
}

// The server's reason (RFC 5802 server-error-value) when it is printable text of a sane length
// that does not repeat the password: an error goes to logs, a password must not.
std::string printable_reason(std::string_view reason, std::string_view password) {
  if (reason.empty() || reason.size() > 128) return "a reason it did not spell out";
  for (char c : reason) {
    if (c < 0x20 || c > 0x7e) return "a reason that is not printable text";
  }
  if (reason.find(password) != std::string_view::npos) return "a reason not shown here";
  return std::string(reason);
}

// A digest-sized secret that is wiped when it goes.
struct SecretBlock {
  std::array<uint8_t, EVP_MAX_MD_SIZE> bytes{};
  ~SecretBlock() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  uint8_t* data() { return bytes.data(); }
};

bool hmac(const EVP_MD* md, const uint8_t* key, size_t key_size, std::string_view data, uint8_t* out) {
  unsigned int out_size = 0;
  return HMAC(md, key, int(key_size), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
              &out_size) != nullptr;
}

}  // namespace

std::string_view to_string(SaslMechanismKind mechanism) {
  switch (mechanism) {
    case SaslMechanismKind::plain: return "PLAIN";
    case SaslMechanismKind::scram_sha_256: return "SCRAM-SHA-256";
    case SaslMechanismKind::scram_sha_512: return "SCRAM-SHA-512";
  }
  return "PLAIN";
}

std::optional<SaslMechanismKind> parse_sasl_mechanism(std::string_view name) {
  for (SaslMechanismKind m :
       {SaslMechanismKind::plain, SaslMechanismKind::scram_sha_256, SaslMechanismKind::scram_sha_512}) {
    if (name == to_string(m)) return m;
  }
  return std::nullopt;
}

SaslExchange::SaslExchange(SaslMechanismKind mechanism, std::string username, std::string password)
    : SaslExchange(mechanism, std::move(username), std::move(password), std::string()) {}

SaslExchange::SaslExchange(SaslMechanismKind mechanism, std::string username, std::string password,
                           std::string client_nonce)
    : mechanism_(mechanism),
      state_(is_scram(mechanism) ? State::awaiting_server_first : State::awaiting_server_final),
      username_(std::move(username)),
      password_(std::move(password)),
      client_nonce_(std::move(client_nonce)) {
  if (username_.empty()) {
    fail("the username is empty");
    return;
  }
  if (password_.empty()) {
    fail("the password is empty");
    return;
  }
  if (username_.find('\0') != std::string::npos) {
    fail("the username contains a NUL byte");
    return;
  }
  if (password_.find('\0') != std::string::npos) {
    fail("the password contains a NUL byte");
    return;
  }
  if (!is_scram(mechanism_)) {
    // RFC 4616: [authzid] NUL authcid NUL passwd, without an authorization identity.
    first_message_ = std::string(1, '\0') + username_ + '\0' + password_;
    return;
  }
  if (client_nonce_.empty()) {
    std::array<uint8_t, kClientNonceBytes> random{};
    if (RAND_bytes(random.data(), int(random.size())) != 1) {
      fail("OpenSSL's random generator gave no bytes for the SCRAM nonce");
      return;
    }
    client_nonce_ = base64_encode(random.data(), random.size());
  } else if (!printable_nonce(client_nonce_)) {
    fail("the client nonce must be printable ASCII without ','");
    return;
  }
  client_first_bare_ = "n=" + sasl_name(username_) + ",r=" + client_nonce_;
  first_message_ = "n,," + client_first_bare_;  // gs2-header: no channel binding, no authzid
}

SaslExchange::~SaslExchange() {
  OPENSSL_cleanse(password_.data(), password_.size());
  OPENSSL_cleanse(first_message_.data(), first_message_.size());  // PLAIN's holds the password
  OPENSSL_cleanse(expected_server_signature_.data(), expected_server_signature_.size());
}

SaslStep SaslExchange::fail(std::string why) {
  state_ = State::failed;
  error_ = why;
  return {{}, std::move(why)};
}

SaslStep SaslExchange::step(std::string_view server_message) {
  switch (state_) {
    case State::failed: return {{}, error_};
    case State::done: return fail("the server sent a message after the exchange was complete");
    case State::awaiting_server_first:
    case State::awaiting_server_final: break;
  }
  if (server_message.size() > kMaxServerMessage) {
    return fail("the server's message is " + std::to_string(server_message.size()) +
                " bytes long, far more than a " + std::string(to_string(mechanism_)) + " message");
  }
  return state_ == State::awaiting_server_first ? on_server_first(server_message) : on_server_final(server_message);
}

// RFC 5802 section 7: server-first-message = [reserved-mext ","] nonce "," salt ","
// iteration-count ["," extensions].
SaslStep SaslExchange::on_server_first(std::string_view server_first) {
  if (server_first.empty()) return fail("the server's first SCRAM message is empty");
  const std::optional<std::vector<Attribute>> attributes = split_attributes(server_first);
  if (!attributes) return fail("the server's first SCRAM message is not a list of a=value attributes");
  const std::vector<Attribute>& a = *attributes;
  if (a[0].name == 'm') {
    return fail("the server's first SCRAM message asks for a mandatory extension (m=), which rawkafka "
                "does not know");
  }
  if (a[0].name == 'e') {
    return fail("the server rejected the authentication: " + printable_reason(a[0].value, password_));
  }
  if (a[0].name != 'r') return fail("the server's first SCRAM message does not begin with its nonce (r=)");
  if (a.size() < 2 || a[1].name != 's') {
    return fail("the server's first SCRAM message has no salt (s=) after its nonce");
  }
  if (a.size() < 3 || a[2].name != 'i') {
    return fail("the server's first SCRAM message has no iteration count (i=) after its salt");
  }
  // Later attributes are extensions (RFC 5802 section 5.1: ignore those we do not know).

  const std::string_view nonce = a[0].value;
  if (!printable_nonce(nonce)) return fail("the server's nonce is not printable ASCII");
  if (nonce.size() <= client_nonce_.size() || nonce.substr(0, client_nonce_.size()) != client_nonce_) {
    return fail("the server's nonce does not extend the client's nonce (a reply to another exchange?)");
  }

  std::optional<std::vector<uint8_t>> salt = base64_decode(a[1].value);
  if (!salt) return fail("the server's salt (s=) is not base64");
  if (salt->empty()) return fail("the server's salt (s=) is empty");

  // posit-number = %x31-39 *DIGIT
  const std::string_view count = a[2].value;
  if (count.empty() || count[0] < '1' || count[0] > '9') {
    return fail("the server's iteration count (i=) is not a positive number");
  }
  uint64_t iterations = 0;
  for (char c : count) {
    if (c < '0' || c > '9') return fail("the server's iteration count (i=) is not a positive number");
    iterations = iterations * 10 + uint64_t(c - '0');
    if (iterations > kScramMaxIterations) {
      return fail("the server asks for more than " + std::to_string(kScramMaxIterations) +
                  " iterations (i=), more than rawkafka will compute");
    }
  }
  if (iterations < kScramMinIterations) {
    return fail("the server asks for " + std::to_string(iterations) + " iterations (i=); SCRAM needs at least " +
                std::to_string(kScramMinIterations) + " (RFC 7677)");
  }

  // RFC 5802 section 3.
  const EVP_MD* md = scram_digest(mechanism_);
  const size_t n = size_t(EVP_MD_get_size(md));
  SecretBlock salted_password, client_key, stored_key, client_signature, server_key;
  unsigned int stored_key_size = 0;
  if (PKCS5_PBKDF2_HMAC(password_.data(), int(password_.size()), salt->data(), int(salt->size()), int(iterations),
                        md, int(n), salted_password.data()) != 1 ||
      !hmac(md, salted_password.data(), n, "Client Key", client_key.data()) ||
      EVP_Digest(client_key.data(), n, stored_key.data(), &stored_key_size, md, nullptr) != 1) {
    return fail("OpenSSL could not compute the SCRAM keys");
  }
  const std::string client_final_without_proof = "c=biws,r=" + std::string(nonce);  // biws = base64("n,,")
  std::string auth_message = client_first_bare_;
  auth_message += ',';
  auth_message += server_first;
  auth_message += ',';
  auth_message += client_final_without_proof;
  expected_server_signature_.assign(n, 0);
  if (!hmac(md, stored_key.data(), n, auth_message, client_signature.data()) ||
      !hmac(md, salted_password.data(), n, "Server Key", server_key.data()) ||
      !hmac(md, server_key.data(), n, auth_message, expected_server_signature_.data())) {
    return fail("OpenSSL could not compute the SCRAM keys");
  }
  SecretBlock proof;
  for (size_t k = 0; k < n; ++k) proof.bytes[k] = client_key.bytes[k] ^ client_signature.bytes[k];

  state_ = State::awaiting_server_final;
  return {client_final_without_proof + ",p=" + base64_encode(proof.data(), n), {}};
}

// PLAIN: the server answers with nothing. SCRAM (RFC 5802 section 7):
// server-final-message = (server-error / verifier) ["," extensions].
SaslStep SaslExchange::on_server_final(std::string_view server_final) {
  if (!is_scram(mechanism_)) {
    if (!server_final.empty()) return fail("the server answered PLAIN with data; PLAIN expects none");
    state_ = State::done;
    return {};
  }
  if (server_final.empty()) return fail("the server's final SCRAM message is empty");
  const std::optional<std::vector<Attribute>> attributes = split_attributes(server_final);
  if (!attributes) return fail("the server's final SCRAM message is not a list of a=value attributes");
  const Attribute& first_attribute = (*attributes)[0];
  if (first_attribute.name == 'e') {
    return fail("the server rejected the authentication: " + printable_reason(first_attribute.value, password_));
  }
  if (first_attribute.name != 'v') {
    return fail("the server's final SCRAM message has neither a verifier (v=) nor an error (e=)");
  }
  const std::optional<std::vector<uint8_t>> signature = base64_decode(first_attribute.value);
  if (!signature) return fail("the server's signature (v=) is not base64");
  if (signature->size() != expected_server_signature_.size() ||
      CRYPTO_memcmp(signature->data(), expected_server_signature_.data(), signature->size()) != 0) {
    return fail("the server's signature (v=) is wrong: it did not prove that it holds this user's credentials");
  }
  state_ = State::done;
  return {};
}

std::string sasl_failure(std::string_view username, std::string_view where, SaslMechanismKind mechanism,
                         std::string_view why) {
  return "authentication failed for user '" + std::string(username) + "' at " + std::string(where) + " with " +
         std::string(to_string(mechanism)) + ": " + std::string(why);
}

std::string sasl_mechanism_not_enabled(SaslMechanismKind mechanism, const std::vector<std::string>& enabled) {
  std::string list;
  for (const std::string& m : enabled) list += (list.empty() ? "" : ", ") + m;
  return "the broker does not enable " + std::string(to_string(mechanism)) + " on this listener (it enables: " +
         (list.empty() ? std::string("none") : list) + ")";
}

std::string sasl_broker_error(int16_t error_code, const std::optional<std::string>& error_message) {
  if (error_message && !error_message->empty()) return *error_message;
  return std::string(protocol::error_name(error_code));
}

}  // namespace rawkafka::client
