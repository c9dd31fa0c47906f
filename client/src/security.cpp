#include "rawkafka/client/security.hpp"

#include <cctype>

#include "rawkafka/client/config.hpp"

namespace rawkafka::client {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view to_string(SecurityProtocol protocol) {
  switch (protocol) {
    case SecurityProtocol::plaintext: return "PLAINTEXT";
    case SecurityProtocol::ssl: return "SSL";
    case SecurityProtocol::sasl_plaintext: return "SASL_PLAINTEXT";
    case SecurityProtocol::sasl_ssl: return "SASL_SSL";
  }
  return "PLAINTEXT";
}

JaasCredentials parse_jaas_config(std::string_view text) {
  auto bad = [](const std::string& why) { return ConfigError("sasl.jaas.config " + why); };
  JaasCredentials out;
  std::string_view rest = trim(text);
  // <login module class> <flag> key="value"... ;
  size_t space = rest.find_first_of(" \t");
  if (rest.empty() || space == std::string_view::npos) {
    throw bad("must read '<LoginModule> required username=\"...\" password=\"...\";'");
  }
  out.login_module = std::string(rest.substr(0, space));
  if (out.login_module != "org.apache.kafka.common.security.plain.PlainLoginModule" &&
      out.login_module != "org.apache.kafka.common.security.scram.ScramLoginModule") {
    throw bad("names the login module '" + out.login_module +
              "'; rawkafka supports PlainLoginModule and ScramLoginModule");
  }
  rest = trim(rest.substr(space));
  size_t flag_end = rest.find_first_of(" \t;");
  const std::string_view flag = rest.substr(0, flag_end);
  if (flag != "required" && flag != "requisite" && flag != "sufficient" && flag != "optional") {
    throw bad("needs a control flag (required) after the login module");
  }
  rest = flag_end == std::string_view::npos ? std::string_view{} : trim(rest.substr(flag_end));
  bool ended = false;
  while (!rest.empty()) {
    if (rest.front() == ';') {
      ended = true;
      rest = trim(rest.substr(1));
      if (!rest.empty()) throw bad("has text after its ';'");
      break;
    }
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos) throw bad("has an option without '=value'");
    const std::string key(trim(rest.substr(0, eq)));
    rest = trim(rest.substr(eq + 1));
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value += rest[i];
      }
      if (i >= rest.size()) throw bad("has an unterminated quoted value for '" + key + "'");
      rest = trim(rest.substr(i + 1));
    } else {
      const size_t end = rest.find_first_of(" \t;");
      value = std::string(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view{} : trim(rest.substr(end));
    }
    if (key == "username") {
      out.username = value;
    } else if (key == "password") {
      out.password = value;
    }  // other options (e.g. tokenauth) are not ours to read
  }
  if (!ended) throw bad("must end with ';'");
  if (out.username.empty()) throw bad("has no username");
  if (out.password.empty()) throw bad("has no password");
  return out;
}

bool SecurityConfig::set(std::string_view key, std::string_view raw) {
  const std::string_view value = trim(raw);
  if (key == "security.protocol") {
    const std::string v = upper(value);
    if (v == "PLAINTEXT") protocol = SecurityProtocol::plaintext;
    else if (v == "SSL") protocol = SecurityProtocol::ssl;
    else if (v == "SASL_PLAINTEXT") protocol = SecurityProtocol::sasl_plaintext;
    else if (v == "SASL_SSL") protocol = SecurityProtocol::sasl_ssl;
    else throw ConfigError("security.protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got '" + std::string(value) + "'");
    return true;
  }
  if (key == "sasl.mechanism" || key == "sasl.mechanisms") {
    std::optional<SaslMechanismKind> m = parse_sasl_mechanism(upper(value));
    if (!m) {
      throw ConfigError(std::string(key) + " must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got '" +
                        std::string(value) + "' (GSSAPI and OAUTHBEARER are not supported)");
    }
    sasl_mechanism = m;
    return true;
  }
  if (key == "sasl.username") {
    sasl_username = std::string(value);
    return true;
  }
  if (key == "sasl.password") {
    sasl_password = std::string(raw);  // as given: a password may start or end with a space
    return true;
  }
  if (key == "ssl.ca.location" || key == "ssl.truststore.location") {
    tls.ca_file = std::string(value);
    return true;
  }
  if (key == "ssl.truststore.type" || key == "ssl.keystore.type") {
    if (upper(value) != "PEM") {
      throw ConfigError(std::string(key) + "=" + std::string(value) +
                        " is not supported: rawkafka reads PEM files (ssl." +
                        (key == "ssl.truststore.type" ? "truststore" : "keystore") +
                        ".type=PEM, or ssl.ca.location / ssl.certificate.location)");
    }
    return true;
  }
  if (key == "ssl.certificate.location" || key == "ssl.keystore.location") {
    tls.certificate_file = std::string(value);
    return true;
  }
  if (key == "ssl.key.location") {
    tls.key_file = std::string(value);
    return true;
  }
  if (key == "ssl.key.password" || key == "ssl.keystore.password") {
    if (key == "ssl.key.password" || tls.key_password.empty()) tls.key_password = std::string(raw);
    return true;
  }
  if (key == "ssl.endpoint.identification.algorithm") {
    const std::string v = upper(value);
    if (v == "HTTPS") tls.verify_hostname = true;
    else if (v.empty() || v == "NONE") tls.verify_hostname = false;
    else throw ConfigError("ssl.endpoint.identification.algorithm must be https or empty, got '" + std::string(value) + "'");
    return true;
  }
  if (key == "enable.ssl.certificate.verification") {
    const std::string v = upper(value);
    if (v == "TRUE") tls.verify_certificate = true;
    else if (v == "FALSE") tls.verify_certificate = false;
    else throw ConfigError("enable.ssl.certificate.verification must be true or false, got '" + std::string(value) + "'");
    return true;
  }
  if (key == "sasl.jaas.config") {
    JaasCredentials j = parse_jaas_config(value);
    sasl_username = j.username;
    sasl_password = j.password;
    return true;
  }
  return false;
}

void SecurityConfig::validate() const {
  if (!tls.key_file.empty() && tls.certificate_file.empty()) {
    throw ConfigError("ssl.key.location needs ssl.certificate.location (the certificate for that key)");
  }
  if (!uses_sasl()) return;
  if (!sasl_mechanism) {
    throw ConfigError("security.protocol=" + std::string(to_string(protocol)) +
                      " needs sasl.mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)");
  }
  if (sasl_username.empty() || sasl_password.empty()) {
    throw ConfigError("SASL needs a username and a password: sasl.username and sasl.password, or sasl.jaas.config");
  }
}


std::shared_ptr<io::TlsContext> make_tls_context(const SecurityConfig& security) {
  if (!security.uses_tls()) return nullptr;
  try {
    return io::TlsContext::create(security.tls);
  } catch (const std::runtime_error& e) {
    throw ConfigError(std::string("TLS: ") + e.what());
  }
}

std::unique_ptr<io::Reactor> make_reactor(const io::ReactorOptions& options, const SecurityConfig& security,
                                          std::shared_ptr<io::TlsContext> tls) {
  std::unique_ptr<io::Reactor> reactor = io::Reactor::create(options);
  if (!security.uses_tls()) return reactor;
  if (!tls) tls = make_tls_context(security);
  return io::make_tls_reactor(std::move(reactor), std::move(tls), options);
}

}  // namespace rawkafka::client
