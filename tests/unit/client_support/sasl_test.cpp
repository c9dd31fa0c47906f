// SaslExchange against RFC 7677's SCRAM-SHA-256 example, against Python's hashlib/hmac as an
// independent SCRAM implementation (SHA-512 has no RFC example), and against broken servers.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "integration.hpp"
#include "rawkafka/client/sasl.hpp"

using rawkafka::client::parse_sasl_mechanism;
using rawkafka::client::SaslExchange;
using rawkafka::client::SaslMechanismKind;
using rawkafka::client::SaslStep;

namespace {

constexpr SaslMechanismKind kMechanisms[] = {SaslMechanismKind::plain, SaslMechanismKind::scram_sha_256,
                                              SaslMechanismKind::scram_sha_512};

// RFC 7677 section 3.
constexpr std::string_view kUser = "user";
constexpr std::string_view kPassword = "pencil";
constexpr std::string_view kClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

SaslExchange rfc7677_exchange() {
  return SaslExchange(SaslMechanismKind::scram_sha_256, std::string(kUser), std::string(kPassword),
                      std::string(kClientNonce));
}

// The exchange failed, said so in words, and kept the password out of them.
void check_failed(SaslExchange& exchange, const SaslStep& step, std::string_view password = kPassword) {
  CHECK_FALSE(step.ok());
  CHECK(step.message.empty());
  CHECK(exchange.failed());
  CHECK_FALSE(exchange.done());
  CHECK(exchange.error() == step.error);
  CHECK(step.error.find(password) == std::string::npos);
}

// Python 3's hashlib and hmac compute the same SCRAM exchange (RFC 5802 section 3) from the
// username, password, client nonce and server-first message; three lines come back:
// client-first-bare, client-final and server-final.
struct OracleExchange {
  std::string client_first_bare;
  std::string client_final;
  std::string server_final;
};

OracleExchange python_scram(std::string_view hash, std::string_view user, std::string_view password,
                            std::string_view client_nonce, std::string_view server_first) {
  static constexpr std::string_view kScript = R"PY(
import base64, hashlib, hmac, sys
alg, user, password, client_nonce, server_first = sys.argv[1:6]
attrs = dict(part.split('=', 1) for part in server_first.split(','))
salted = hashlib.pbkdf2_hmac(alg, password.encode(), base64.b64decode(attrs['s'], validate=True), int(attrs['i']))
client_key = hmac.new(salted, b'Client Key', alg).digest()
stored_key = hashlib.new(alg, client_key).digest()
bare = 'n=' + user.replace('=', '=3D').replace(',', '=2C') + ',r=' + client_nonce
without_proof = 'c=' + base64.b64encode(b'n,,').decode() + ',r=' + attrs['r']
auth_message = (bare + ',' + server_first + ',' + without_proof).encode()
signature = hmac.new(stored_key, auth_message, alg).digest()
proof = bytes(a ^ b for a, b in zip(client_key, signature))
server_key = hmac.new(salted, b'Server Key', alg).digest()
print(bare)
print(without_proof + ',p=' + base64.b64encode(proof).decode())
print('v=' + base64.b64encode(hmac.new(server_key, auth_message, alg).digest()).decode())
)PY";
  using rawkafka::testing::shell_quote;
  const std::string command = "python3 -c " + shell_quote(kScript) + " " + shell_quote(hash) + " " +
                              shell_quote(user) + " " + shell_quote(password) + " " + shell_quote(client_nonce) +
                              " " + shell_quote(server_first);
  const rawkafka::testing::CommandResult result = rawkafka::testing::run_command(command, true);
  REQUIRE_MESSAGE(result.exit_code == 0, result.output);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = result.output.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(result.output.substr(start, nl - start));
  }
  REQUIRE_MESSAGE(lines.size() == 3, result.output);
  return {lines[0], lines[1], lines[2]};
}

// Runs our exchange against the oracle's numbers for one server-first message.
void check_against_python(SaslMechanismKind mechanism, std::string_view hash, const std::string& user,
                          const std::string& password, const std::string& client_nonce,
                          const std::string& server_first) {
  SaslExchange exchange(mechanism, user, password, client_nonce);
  const OracleExchange want = python_scram(hash, user, password, client_nonce, server_first);
  CHECK(exchange.first() == "n,," + want.client_first_bare);
  SaslStep final_step = exchange.step(server_first);
  REQUIRE_MESSAGE(final_step.ok(), final_step.error);
  CHECK(final_step.message == want.client_final);
  CHECK_FALSE(exchange.done());
  SaslStep end = exchange.step(want.server_final);
  CHECK_MESSAGE(end.ok(), end.error);
  CHECK(end.message.empty());
  CHECK(exchange.done());
}

std::string nonce_of(const std::string& client_first) {
  const size_t at = client_first.find(",r=");
  REQUIRE(at != std::string::npos);
  return client_first.substr(at + 3);
}

}  // namespace

TEST_CASE("mechanism names are Kafka's, exactly") {
  CHECK(to_string(SaslMechanismKind::plain) == "PLAIN");
  CHECK(to_string(SaslMechanismKind::scram_sha_256) == "SCRAM-SHA-256");
  CHECK(to_string(SaslMechanismKind::scram_sha_512) == "SCRAM-SHA-512");
  for (SaslMechanismKind m : kMechanisms) {
    CHECK(parse_sasl_mechanism(to_string(m)) == m);
  }
  for (std::string_view other : {"", "plain", "SCRAM-SHA-1", "SCRAM-SHA-256 ", "GSSAPI", "OAUTHBEARER"}) {
    CHECK_FALSE(parse_sasl_mechanism(other).has_value());
  }
}

TEST_CASE("PLAIN sends NUL user NUL password and ends on the server's empty answer") {
  SaslExchange exchange(SaslMechanismKind::plain, "alice", "s3cret");
  CHECK(exchange.first() == std::string("\0alice\0s3cret", 13));
  CHECK_FALSE(exchange.done());
  SaslStep step = exchange.step("");
  CHECK(step.ok());
  CHECK(step.message.empty());
  CHECK(exchange.done());
}

TEST_CASE("PLAIN refuses a server answer with data in it") {
  SaslExchange exchange(SaslMechanismKind::plain, "alice", "s3cret");
  check_failed(exchange, exchange.step("r=abc"), "s3cret");
}

TEST_CASE("empty or NUL-bearing credentials fail before anything is sent") {
  for (SaslMechanismKind m : kMechanisms) {
    CAPTURE(to_string(m));
    SaslExchange no_user(m, "", "pencil");
    CHECK(no_user.failed());
    CHECK(no_user.first().empty());
    CHECK(no_user.error() == "the username is empty");
    SaslExchange no_password(m, "user", "");
    CHECK(no_password.failed());
    CHECK(no_password.error() == "the password is empty");
    SaslExchange nul_password(m, "user", std::string("pen\0cil", 7));
    CHECK(nul_password.failed());
    CHECK(nul_password.error() == "the password contains a NUL byte");
    SaslExchange nul_user(m, std::string("us\0er", 5), "pencil");
    CHECK(nul_user.error() == "the username contains a NUL byte");
    // A later step only repeats why.
    SaslStep step = no_user.step(kServerFirst);
    CHECK(step.error == "the username is empty");
  }
}

TEST_CASE("SCRAM client-first is the gs2 header, the escaped name and the nonce") {
  CHECK(rfc7677_exchange().first() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  SaslExchange escaped(SaslMechanismKind::scram_sha_512, "a,b=c,", "pencil", "nonce");
  CHECK(escaped.first() == "n,,n=a=2Cb=3Dc=2C,r=nonce");
}

TEST_CASE("a test nonce must be printable without commas") {
  SaslExchange comma(SaslMechanismKind::scram_sha_256, "user", "pencil", "ab,cd");
  CHECK(comma.failed());
  SaslExchange space(SaslMechanismKind::scram_sha_256, "user", "pencil", "ab cd");
  CHECK(space.failed());
}

TEST_CASE("the random client nonce is 32 printable characters, new every time") {
  SaslExchange a(SaslMechanismKind::scram_sha_256, "user", "pencil");
  SaslExchange b(SaslMechanismKind::scram_sha_256, "user", "pencil");
  REQUIRE_FALSE(a.failed());
  const std::string nonce_a = nonce_of(a.first());
  const std::string nonce_b = nonce_of(b.first());
  CHECK(a.first() == "n,,n=user,r=" + nonce_a);
  CHECK(nonce_a.size() == 32);
  CHECK(nonce_a != nonce_b);
  for (char c : nonce_a) {
    CHECK(c >= 0x21);
    CHECK(c <= 0x7e);
    CHECK(c != ',');
  }
}

TEST_CASE("RFC 7677 SCRAM-SHA-256 example: client-final proof and server signature") {
  SaslExchange exchange = rfc7677_exchange();
  SaslStep final_step = exchange.step(kServerFirst);
  REQUIRE_MESSAGE(final_step.ok(), final_step.error);
  CHECK(final_step.message == kClientFinal);
  CHECK_FALSE(exchange.done());
  SaslStep end = exchange.step(kServerFinal);
  CHECK_MESSAGE(end.ok(), end.error);
  CHECK(end.message.empty());
  CHECK(exchange.done());
  CHECK_FALSE(exchange.failed());
}

TEST_CASE("RFC 7677 example with a wrong server signature fails") {
  // One bit of the RFC's signature flipped; the same bytes spelled with non-zero padding bits
  // (not canonical base64); a signature of the wrong length; one of SHA-512's size.
  for (std::string_view wrong : {"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
                                 "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5n",
                                 "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}) {
    CAPTURE(wrong);
    SaslExchange exchange = rfc7677_exchange();
    REQUIRE(exchange.step(kServerFirst).ok());
    check_failed(exchange, exchange.step(wrong));
  }
}

TEST_CASE("SCRAM-SHA-512 agrees with Python's hashlib and hmac") {
  const std::string salt_b64 = "QSXCR+Q6sek8bf92YnVzZWQtYnktcmF3a2Fma2E=";
  check_against_python(SaslMechanismKind::scram_sha_512, "sha512", "alice", "Tr0ub4dor&3 with spaces",
                       "fyko+d2lbbFgONRv9qkxdawL", "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=" + salt_b64 + ",i=4096");
  check_against_python(SaslMechanismKind::scram_sha_512, "sha512", "bob=admin,ops", "p\xc3\xa4ssw\xc3\xb6rd",
                       "n0nce", "r=n0nceServerPart/+=,s=" + salt_b64 + ",i=8192");
}

TEST_CASE("SCRAM-SHA-256 agrees with Python, with escaped names and server extensions") {
  check_against_python(SaslMechanismKind::scram_sha_256, "sha256", "=,=", "pencil", "abc",
                       "r=abcdef,s=c2FsdA==,i=4096,x=an-extension,y=another");
}

TEST_CASE("a random nonce goes through a whole exchange checked by Python") {
  SaslExchange probe(SaslMechanismKind::scram_sha_512, "carol", "hunter2");
  const std::string nonce = nonce_of(probe.first());
  const std::string server_first = "r=" + nonce + "SERVERnonce,s=c2FsdHNhbHQ=,i=4096";
  const OracleExchange want = python_scram("sha512", "carol", "hunter2", nonce, server_first);
  SaslStep final_step = probe.step(server_first);
  REQUIRE_MESSAGE(final_step.ok(), final_step.error);
  CHECK(final_step.message == want.client_final);
  CHECK(probe.step(want.server_final).ok());
  CHECK(probe.done());
}

TEST_CASE("bad server-first messages are refused in words") {
  const std::vector<std::string> bad = {
      "",
      ",",
      "r",
      "r=",
      "garbage",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",                                   // no salt
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==",        // no count
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==", // out of order
      "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,i=4096",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000001",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999999999999",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-4096",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=04096",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=",
      "r=someoneElsesNonce%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // foreign nonce
      "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // the server added nothing
      "r=rOprNGfwEbeRWgbNEkq,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",   // shorter than ours
      "r=rOprNGfwEbeRWgbNEkqO\x01x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096",  // bad base64
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7so*sUEjb6gQ==,i=4096",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W2=ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=====,i=4096",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=,i=4096",  // empty salt
      "m=must-understand,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "e=other-error",
      std::string(20000, 'r'),
  };
  for (const std::string& message : bad) {
    CAPTURE(message);
    SaslExchange exchange = rfc7677_exchange();
    SaslStep step = exchange.step(message);
    check_failed(exchange, step);
    // A failed exchange stays failed, even when the right message comes after.
    SaslStep again = exchange.step(kServerFirst);
    CHECK(again.error == step.error);
    CHECK(again.message.empty());
  }
}

TEST_CASE("every truncation of the server's messages is refused") {
  for (size_t n = 0; n < kServerFirst.size(); ++n) {
    CAPTURE(kServerFirst.substr(0, n));
    SaslExchange exchange = rfc7677_exchange();
    check_failed(exchange, exchange.step(kServerFirst.substr(0, n)));
  }
  for (size_t n = 0; n < kServerFinal.size(); ++n) {
    CAPTURE(kServerFinal.substr(0, n));
    SaslExchange exchange = rfc7677_exchange();
    REQUIRE(exchange.step(kServerFirst).ok());
    check_failed(exchange, exchange.step(kServerFinal.substr(0, n)));
  }
}

TEST_CASE("iteration counts at the limits") {
  const std::string prefix = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=";
  SaslExchange low = rfc7677_exchange();
  SaslStep step = low.step(prefix + "4095");
  CHECK(step.error == "the server asks for 4095 iterations (i=); SCRAM needs at least 4096 (RFC 7677)");
  SaslExchange high = rfc7677_exchange();
  step = high.step(prefix + "1000001");
  CHECK(step.error == "the server asks for more than 1000000 iterations (i=), more than rawkafka will compute");
  SaslExchange zero = rfc7677_exchange();
  CHECK(zero.step(prefix + "0").error == "the server's iteration count (i=) is not a positive number");
}

TEST_CASE("the server's e= names its reason") {
  SaslExchange exchange = rfc7677_exchange();
  REQUIRE(exchange.step(kServerFirst).ok());
  SaslStep step = exchange.step("e=invalid-proof");
  check_failed(exchange, step);
  CHECK(step.error == "the server rejected the authentication: invalid-proof");

  SaslExchange unprintable = rfc7677_exchange();
  REQUIRE(unprintable.step(kServerFirst).ok());
  step = unprintable.step("e=\x01\x02");
  check_failed(unprintable, step);
  CHECK(step.error.find('\x01') == std::string::npos);

  // A server that echoes the password in its reason does not get it into the error.
  SaslExchange echo = rfc7677_exchange();
  REQUIRE(echo.step(kServerFirst).ok());
  step = echo.step("e=bad-password-pencil");
  check_failed(echo, step);
  CHECK(step.error == "the server rejected the authentication: a reason not shown here");
  SaslExchange echo_first = rfc7677_exchange();
  check_failed(echo_first, echo_first.step("e=pencil"));
}

TEST_CASE("bad server-final messages are refused in words") {
  for (std::string_view message : {"", ",", "v", "v=", "x=abc", "v=!!!!", "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4",
                                    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                                    "e=", ",v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="}) {
    CAPTURE(message);
    SaslExchange exchange = rfc7677_exchange();
    REQUIRE(exchange.step(kServerFirst).ok());
    check_failed(exchange, exchange.step(message));
  }
}

TEST_CASE("a server-final with extensions after v= verifies") {
  SaslExchange exchange = rfc7677_exchange();
  REQUIRE(exchange.step(kServerFirst).ok());
  CHECK(exchange.step(std::string(kServerFinal) + ",x=extension").ok());
  CHECK(exchange.done());
}

TEST_CASE("a message after the exchange is complete fails it") {
  SaslExchange exchange = rfc7677_exchange();
  REQUIRE(exchange.step(kServerFirst).ok());
  REQUIRE(exchange.step(kServerFinal).ok());
  REQUIRE(exchange.done());
  check_failed(exchange, exchange.step(kServerFinal));
}

TEST_CASE("no error ever contains the password, even a password made of SCRAM's own words") {
  // A password that is also a plausible piece of a message: "=" and "," and "r".
  const std::string password = "v=r,s";
  const std::vector<std::string> server_firsts = {
      "", "r=x", "r=abcdef,s=!,i=4096", "r=abcdef,s=c2FsdA==,i=1", "m=v=r,s", "r=abcdef,s=c2FsdA==,i=4096"};
  for (const std::string& first : server_firsts) {
    for (std::string_view final_message : {"e=invalid-proof", "v=AAAA", "v=", "garbage"}) {
      SaslExchange exchange(SaslMechanismKind::scram_sha_512, "user", password, "abc");
      SaslStep step = exchange.step(first);
      if (step.ok()) step = exchange.step(final_message);
      CHECK_FALSE(step.ok());
      CHECK(step.error.find(password) == std::string::npos);
    }
  }
}
