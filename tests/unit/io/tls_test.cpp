// The TLS layer over both reactor backends against an OpenSSL server on a peer thread. The
// certificates (a CA, server and client certificates, an unrelated CA) are made at run time
// and written as PEM into a temporary directory that is removed at exit.

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "backends.hpp"
#include "loopback_peer.hpp"
#include "rawkafka/io/tls.hpp"

using namespace rawkafka::io;
using namespace rawkafka::io::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* client_key_password = "correct horse battery staple";

std::span<const uint8_t> view(const Bytes& b) { return {b.data(), b.size()}; }

std::string loopback(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- certificates ---------------------------------------------------------------------

EVP_PKEY* make_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("EC P-256 key generation failed");
  return key;
}

void add_extension(X509* cert, X509V3_CTX& v3, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) {
    throw std::runtime_error(std::string("cannot add certificate extension ") + value);
  }
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `common_name`; self-signed when `issuer` is null. A CA when
// `san` is empty, else a leaf with that subjectAltName ("IP:127.0.0.1,DNS:localhost").
X509* make_certificate(const char* common_name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                       const char* san, const char* extended_usage) {
  static long serial = 1;
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("rawkafka tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  add_extension(cert, v3, NID_subject_key_identifier, "hash");
  add_extension(cert, v3, NID_authority_key_identifier, "keyid:always");
  if (san == nullptr) {
    add_extension(cert, v3, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, v3, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert, v3, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert, v3, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(cert, v3, NID_ext_key_usage, extended_usage);
    add_extension(cert, v3, NID_subject_alt_name, san);
  }
  if (X509_sign(cert, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    throw std::runtime_error(std::string("cannot sign the certificate for ") + common_name);
  }
  return cert;
}

struct Identity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string certificate_file;
  std::string key_file;
};

// Everything the tests trust or present, made once per process.
class Pki {
 public:
  Pki() {
    std::signal(SIGPIPE, SIG_IGN);  // OpenSSL's socket BIO writes with write(), not MSG_NOSIGNAL
    char name[] = "/tmp/rawkafka-tls-test-XXXXXX";
    if (::mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = name;
    ca = make_ca("rawkafka test CA", "ca.pem");
    other_ca = make_ca("another CA", "other-ca.pem");
    server = make_leaf("127.0.0.1", "IP:127.0.0.1,DNS:localhost", "serverAuth", "server");
    server_other_name =
        make_leaf("other.example", "DNS:other.example", "serverAuth", "server-other-name");
    client = make_leaf("rawkafka client", "DNS:client.example", "clientAuth", "client",
                       client_key_password);
    // A Java-style PEM key store: key, certificate, CA in one file.
    client_bundle = path("client-bundle.pem");
    FILE* f = std::fopen(client_bundle.c_str(), "w");
    PEM_write_PrivateKey(f, client.key, nullptr, nullptr, 0, nullptr, nullptr);
    PEM_write_X509(f, client.cert);
    PEM_write_X509(f, ca.cert);
    std::fclose(f);
    files_.push_back(client_bundle);
  }
  ~Pki() {
    for (const std::string& file : files_) ::unlink(file.c_str());
    ::rmdir(directory_.c_str());
    for (Identity* id : {&ca, &other_ca, &server, &server_other_name, &client}) {
      X509_free(id->cert);
      EVP_PKEY_free(id->key);
    }
  }
  Pki(const Pki&) = delete;
  Pki& operator=(const Pki&) = delete;

  Identity ca, other_ca, server, server_other_name, client;
  std::string client_bundle;

 private:
  std::string path(const std::string& file) const { return directory_ + "/" + file; }

  void write_certificate(X509* cert, const std::string& file) {
    FILE* f = std::fopen(file.c_str(), "w");
    if (f == nullptr || PEM_write_X509(f, cert) != 1) throw std::runtime_error("cannot write " + file);
    std::fclose(f);
    files_.push_back(file);
  }
  void write_key(EVP_PKEY* key, const std::string& file, const char* password) {
    FILE* f = std::fopen(file.c_str(), "w");
    const EVP_CIPHER* cipher = password != nullptr ? EVP_aes_256_cbc() : nullptr;
    auto* pass = reinterpret_cast<unsigned char*>(const_cast<char*>(password));
    int length = password != nullptr ? static_cast<int>(std::strlen(password)) : 0;
    if (f == nullptr || PEM_write_PrivateKey(f, key, cipher, pass, length, nullptr, nullptr) != 1) {
      throw std::runtime_error("cannot write " + file);
    }
    std::fclose(f);
    files_.push_back(file);
  }
  Identity make_ca(const char* name, const std::string& file) {
    Identity id;
    id.key = make_key();
    id.cert = make_certificate(name, id.key, nullptr, nullptr, nullptr, nullptr);
    id.certificate_file = path(file);
    write_certificate(id.cert, id.certificate_file);
    return id;
  }
  Identity make_leaf(const char* name, const char* san, const char* usage, const std::string& stem,
                     const char* password = nullptr) {
    Identity id;
    id.key = make_key();
    id.cert = make_certificate(name, id.key, ca.cert, ca.key, san, usage);
    id.certificate_file = path(stem + ".pem");
    id.key_file = path(stem + ".key");
    write_certificate(id.cert, id.certificate_file);
    write_key(id.key, id.key_file, password);
    return id;
  }

  std::string directory_;
  std::vector<std::string> files_;
};

const Pki& pki() {
  static Pki instance;
  return instance;
}

// ---- the server side ------------------------------------------------------------------

struct ServerSettings {
  const Identity* identity = nullptr;  // default: pki().server
  int max_version = 0;                 // 0: OpenSSL's highest
  bool require_client_certificate = false;
};

class ServerContext {
 public:
  explicit ServerContext(const ServerSettings& settings = {}) : ctx_(SSL_CTX_new(TLS_server_method())) {
    const Identity& id = settings.identity != nullptr ? *settings.identity : pki().server;
    SSL_CTX_use_certificate(ctx_, id.cert);
    SSL_CTX_use_PrivateKey(ctx_, id.key);
    if (settings.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, settings.max_version);
    if (settings.require_client_certificate) {
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), pki().ca.cert);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
  }
  ~ServerContext() { SSL_CTX_free(ctx_); }
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;
  SSL_CTX* native() const { return ctx_; }

 private:
  SSL_CTX* ctx_;
};

bool ssl_read_exact(SSL* ssl, uint8_t* data, size_t size, size_t piece = SIZE_MAX) {
  while (size != 0) {
    int n = SSL_read(ssl, data, static_cast<int>(std::min({size, piece, size_t{INT_MAX}})));
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ssl_write_all(SSL* ssl, const uint8_t* data, size_t size, size_t piece = SIZE_MAX) {
  while (size != 0) {
    int n = SSL_write(ssl, data, static_cast<int>(std::min({size, piece, size_t{INT_MAX}})));
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::optional<Bytes> ssl_read_frame(SSL* ssl, size_t piece = SIZE_MAX) {
  uint8_t prefix[4];
  if (!ssl_read_exact(ssl, prefix, 4, piece)) return std::nullopt;
  uint32_t n = (uint32_t{prefix[0]} << 24) | (uint32_t{prefix[1]} << 16) |
               (uint32_t{prefix[2]} << 8) | prefix[3];
  Bytes body(n);
  if (n != 0 && !ssl_read_exact(ssl, body.data(), n, piece)) return std::nullopt;
  return body;
}

bool ssl_write_frame(SSL* ssl, const Bytes& body, size_t piece = SIZE_MAX) {
  Bytes frame = make_frame(body);
  return ssl_write_all(ssl, frame.data(), frame.size(), piece);
}

// Reads until the client closes (or the socket's timeout passes).
void ssl_wait_for_close(SSL* ssl) {
  uint8_t buffer[4096];
  while (SSL_read(ssl, buffer, sizeof buffer) > 0) {
  }
}

// Accepts one connection, runs the server handshake and then `behaviour`; the session is
// freed and the socket closed afterwards (`behaviour` decides on SSL_shutdown). Returns
// whether the handshake succeeded; `behaviour` runs only then.
bool serve_tls(const Listener& listener, const ServerContext& context,
               const std::function<void(SSL*)>& behaviour) {
  int fd = listener.accept(5s);
  if (fd < 0) return false;
  timeval limit{10, 0};  // a failing test must not hold its peer long
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  SSL* ssl = SSL_new(context.native());
  SSL_set_fd(ssl, fd);
  bool ok = SSL_accept(ssl) == 1;
  if (ok) behaviour(ssl);
  SSL_free(ssl);
  close_fd(fd);
  ERR_clear_error();  // this thread's queue
  return ok;
}

// Echoes frames until the client closes.
void echo_frames(SSL* ssl) {
  while (auto body = ssl_read_frame(ssl)) {
    if (!ssl_write_frame(ssl, *body)) return;
  }
}

// ---- the client side ------------------------------------------------------------------

TlsOptions trusting_ca() {
  TlsOptions options;
  options.ca_file = pki().ca.certificate_file;
  return options;
}

template <class T>
bool backend_available() {
  return make_reactor_for<T>() != nullptr;
}

template <class T>
std::unique_ptr<Reactor> make_tls_reactor_for(std::shared_ptr<TlsContext> context,
                                              size_t max_frame_size = 256u << 20) {
  ReactorOptions options;
  options.max_frame_size = max_frame_size;
  return make_tls_reactor(make_reactor_for<T>(max_frame_size), std::move(context), options);
}

// Sends `frame` as two buffers (prefix, body) so the gather path is used.
void send_frame(Reactor& reactor, ConnectionId id, const Bytes& frame, uint64_t token) {
  std::span<const uint8_t> parts[2] = {view(frame).first(4), view(frame).subspan(4)};
  reactor.send(id, parts, token);
}

// Closes `id` and polls until on_closed; the clean close reports code 0.
void close_and_check(Reactor& reactor, ConnectionId id, Recorder& rec) {
  if (rec.closed) return;
  reactor.close(id);
  REQUIRE(poll_until(reactor, [&] { return rec.closed.has_value(); }, 5s));
  CHECK(rec.closed->code == 0);
  CHECK(rec.callbacks_after_close == 0);
}

}  // namespace

TEST_CASE_TEMPLATE("TLS: a frame sent to a TLS echo server comes back whole", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  CHECK(context->negotiated().empty());
  ServerContext server;
  Listener listener;
  PeerThread peer([&] { serve_tls(listener, server, echo_frames); });
  auto reactor = make_tls_reactor_for<T>(context);
  CHECK(reactor->backend() == T::backend);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  Bytes body = pattern(1000, 7);
  Bytes frame = make_frame(body);
  send_frame(*reactor, id, frame, 42);  // held until the handshake is done
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == 1 || rec.closed; }, 5s));
  CHECK(rec.connected);
  CHECK(rec.frames[0] == body);
  REQUIRE(poll_until(*reactor, [&] { return !rec.sent.empty() || rec.closed; }, 5s));
  CHECK(rec.sent == std::vector<uint64_t>{42});
  CHECK(context->negotiated().rfind("TLSv1.", 0) == 0);
  MESSAGE("negotiated: " << context->negotiated());
  close_and_check(*reactor, id, rec);
}

TEST_CASE_TEMPLATE("TLS: records of one byte each and a slow reader still make whole frames", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  ServerContext server;
  Listener listener;
  std::vector<Bytes> bodies = {pattern(0, 1), pattern(7, 2), pattern(300, 3), pattern(2000, 4)};
  std::atomic<bool> peer_ok{false};
  PeerThread peer([&] {
    serve_tls(listener, server, [&](SSL* ssl) {
      std::vector<Bytes> got;
      for (size_t i = 0; i < bodies.size(); ++i) {
        // Reads a few plaintext bytes at a time, pausing, so ciphertext piles up unread.
        auto body = ssl_read_frame(ssl, 100);
        if (!body) return;
        got.push_back(std::move(*body));
        std::this_thread::sleep_for(1ms);
      }
      peer_ok = got == bodies;
      for (const Bytes& body : got) {  // one TLS record per byte, each on its own
        Bytes frame = make_frame(body);
        for (uint8_t byte : frame) {
          if (SSL_write(ssl, &byte, 1) != 1) return;
          std::this_thread::sleep_for(50us);
        }
      }
      ssl_wait_for_close(ssl);
    });
  });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.connected || rec.closed; }, 5s));
  std::vector<Bytes> frames;
  for (const Bytes& body : bodies) frames.push_back(make_frame(body));
  for (size_t i = 0; i < frames.size(); ++i) send_frame(*reactor, id, frames[i], i + 1);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == bodies.size() || rec.closed; },
                     10s));
  CHECK(peer_ok);
  CHECK(rec.frames == bodies);
  CHECK(rec.sent == std::vector<uint64_t>{1, 2, 3, 4});
  // The records came in many small reads: partial records were held back by OpenSSL.
  CHECK(reactor->stats().recv_requests > bodies.size());
  close_and_check(*reactor, id, rec);
}

TEST_CASE_TEMPLATE("TLS: an 8 MiB frame goes each way", T, RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  ServerContext server;
  Listener listener(false, 16, 4096);  // a small receive buffer: the client's writes go partly
  Bytes body = pattern(8u << 20, 21);
  Bytes answer = pattern(8u << 20, 22);
  std::atomic<bool> peer_ok{false};
  PeerThread peer([&] {
    serve_tls(listener, server, [&](SSL* ssl) {
      auto got = ssl_read_frame(ssl, 1000);  // small reads: a slow reader
      peer_ok = got && *got == body;
      ssl_write_frame(ssl, answer);
      ssl_wait_for_close(ssl);
    });
  });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.connected || rec.closed; }, 5s));
  uint32_t n = static_cast<uint32_t>(body.size());
  Bytes prefix = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
  std::vector<std::span<const uint8_t>> chain{view(prefix)};
  constexpr size_t chunk = 64 * 1024;
  for (size_t at = 0; at < body.size(); at += chunk) chain.push_back(view(body).subspan(at, chunk));
  reactor->send(id, chain, 1);
  REQUIRE(poll_until(*reactor, [&] { return !rec.frames.empty() || rec.closed; }, 20s));
  CHECK(peer_ok);
  CHECK(rec.frames.size() == 1);
  CHECK(rec.frames[0] == answer);
  CHECK(rec.sent == std::vector<uint64_t>{1});
  // Ciphertext is a little longer than the plaintext.
  CHECK(reactor->stats().bytes_sent > 4 + body.size());
  CHECK(reactor->stats().bytes_received > 4 + answer.size());
  close_and_check(*reactor, id, rec);
}

TEST_CASE_TEMPLATE("TLS: 1000 pipelined frames come back in order with every token", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  ServerContext server;
  Listener listener;
  PeerThread peer([&] { serve_tls(listener, server, echo_frames); });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.connected || rec.closed; }, 5s));
  constexpr size_t count = 1000;
  std::vector<Bytes> bodies;
  std::vector<Bytes> frames;
  std::vector<uint64_t> tokens;
  for (size_t i = 0; i < count; ++i) {
    bodies.push_back(pattern(i % 97, static_cast<uint32_t>(i)));
    frames.push_back(make_frame(bodies.back()));
    tokens.push_back(1000 + i);
  }
  for (size_t i = 0; i < count; ++i) send_frame(*reactor, id, frames[i], tokens[i]);
  REQUIRE(poll_until(*reactor,
                     [&] { return (rec.frames.size() == count && rec.sent.size() == count) || rec.closed; },
                     10s));
  CHECK(rec.frames == bodies);
  CHECK(rec.sent == tokens);
  close_and_check(*reactor, id, rec);
}

TEST_CASE_TEMPLATE("TLS: the server closing in the middle of a frame ends the connection", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  bool close_notify = false;
  SUBCASE("after a close_notify (SSL_shutdown)") { close_notify = true; }
  SUBCASE("without a close_notify") { close_notify = false; }
  CAPTURE(close_notify);
  auto context = TlsContext::create(trusting_ca());
  ServerContext server;
  Listener listener;
  std::atomic<bool> peer_ok{false};
  PeerThread peer([&] {
    serve_tls(listener, server, [&](SSL* ssl) {
      Bytes frame = make_frame(pattern(1000, 5));
      peer_ok = ssl_write_all(ssl, frame.data(), 4 + 500);
      if (close_notify) SSL_shutdown(ssl);
    });
  });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }, 5s));
  CHECK(peer_ok);
  CHECK(rec.connected);
  CHECK(rec.frames.empty());
  CHECK(rec.closed->code != 0);
  CHECK_FALSE(rec.closed->message.empty());
  CHECK(contains(rec.closed->message, loopback(listener.port())));
  MESSAGE("closed: " << rec.closed->message);
  CHECK(rec.callbacks_after_close == 0);
  // With or without a close_notify, the message says a frame was cut short.
  CHECK(contains(rec.closed->message, "in the middle of a frame"));
  if (!close_notify) CHECK(contains(rec.closed->message, "without a TLS close_notify"));
}

TEST_CASE_TEMPLATE("TLS: a server certificate from an untrusted CA is not accepted", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  TlsOptions options;
  options.ca_file = pki().other_ca.certificate_file;
  auto context = TlsContext::create(options);
  ServerContext server;
  Listener listener;
  std::atomic<bool> handshake_ok{true};
  std::optional<PeerThread> peer;
  peer.emplace([&] { handshake_ok = serve_tls(listener, server, ssl_wait_for_close); });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }, 5s));
  CHECK_FALSE(rec.connected);
  CHECK(contains(rec.closed->message, "certificate was not accepted"));
  CHECK(contains(rec.closed->message, loopback(listener.port())));
  MESSAGE("closed: " << rec.closed->message);
  CHECK(context->negotiated().empty());
  peer.reset();  // joined: the server saw the handshake fail too
  CHECK_FALSE(handshake_ok);
}

TEST_CASE_TEMPLATE("TLS: the host name is checked against the certificate's subjectAltName", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  struct Case {
    const char* what;
    const Identity* identity;
    std::string host;
    bool verify_hostname;
    bool accepted;
  };
  const std::vector<Case> cases = {
      {"IP:127.0.0.1 connected to as 127.0.0.1", &pki().server, "127.0.0.1", true, true},
      {"DNS:localhost connected to as localhost", &pki().server, "localhost", true, true},
      {"DNS:other.example connected to as 127.0.0.1", &pki().server_other_name, "127.0.0.1", true,
       false},
      {"DNS:other.example connected to as localhost", &pki().server_other_name, "localhost", true,
       false},
      {"DNS:other.example, hostname check off", &pki().server_other_name, "127.0.0.1", false, true},
      {"DNS:other.example as localhost, hostname check off", &pki().server_other_name, "localhost",
       false, true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    TlsOptions options = trusting_ca();
    options.verify_hostname = c.verify_hostname;
    auto context = TlsContext::create(options);
    ServerSettings settings;
    settings.identity = c.identity;
    ServerContext server(settings);
    Listener listener;
    PeerThread peer([&] { serve_tls(listener, server, echo_frames); });
    auto reactor = make_tls_reactor_for<T>(context);
    Recorder rec;
    ConnectionId id = reactor->connect({c.host, listener.port()}, 5s, rec);
    Bytes body = pattern(10, 9);
    Bytes frame = make_frame(body);
    send_frame(*reactor, id, frame, 1);
    REQUIRE(poll_until(*reactor, [&] { return !rec.frames.empty() || rec.closed; }, 5s));
    if (c.accepted) {
      CHECK(rec.connected);
      REQUIRE(rec.frames.size() == 1);
      CHECK(rec.frames[0] == body);
      close_and_check(*reactor, id, rec);
    } else {
      CHECK_FALSE(rec.connected);
      CHECK(rec.frames.empty());
      CHECK(contains(rec.closed->message, "does not name " + c.host));
      CHECK(contains(rec.closed->message, c.host + ":" + std::to_string(listener.port())));
      CHECK(rec.sent == std::vector<uint64_t>{1});  // the held frame is released
      MESSAGE("closed: " << rec.closed->message);
    }
  }
}

TEST_CASE_TEMPLATE("TLS: mutual TLS with a client certificate and an encrypted key", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  int max_version = 0;
  SUBCASE("TLS 1.3") { max_version = 0; }
  SUBCASE("TLS 1.2") { max_version = TLS1_2_VERSION; }
  CAPTURE(max_version);
  ServerSettings settings;
  settings.require_client_certificate = true;
  settings.max_version = max_version;
  ServerContext server(settings);

  struct Client {
    const char* what;
    std::string certificate_file, key_file, key_password;
    bool accepted;
  };
  const std::vector<Client> clients = {
      {"encrypted key with its password", pki().client.certificate_file, pki().client.key_file,
       client_key_password, true},
      {"key, certificate and CA in one file", pki().client_bundle, "", "", true},
      {"no client certificate", "", "", "", false},
  };
  for (const Client& client : clients) {
    CAPTURE(client.what);
    TlsOptions options = trusting_ca();
    options.certificate_file = client.certificate_file;
    options.key_file = client.key_file;
    options.key_password = client.key_password;
    auto context = TlsContext::create(options);
    Listener listener;
    std::atomic<bool> saw_client_certificate{false};
    PeerThread peer([&] {
      serve_tls(listener, server, [&](SSL* ssl) {
        X509* cert = SSL_get1_peer_certificate(ssl);
        saw_client_certificate = cert != nullptr;
        X509_free(cert);
        echo_frames(ssl);
      });
    });
    auto reactor = make_tls_reactor_for<T>(context);
    Recorder rec;
    ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
    Bytes body = pattern(100, 3);
    Bytes frame = make_frame(body);
    send_frame(*reactor, id, frame, 1);
    REQUIRE(poll_until(*reactor, [&] { return !rec.frames.empty() || rec.closed; }, 5s));
    if (client.accepted) {
      REQUIRE(rec.frames.size() == 1);
      CHECK(rec.frames[0] == body);
      CHECK(saw_client_certificate);
      close_and_check(*reactor, id, rec);
    } else {
      // With TLS 1.3 the client's handshake is done before the server has checked its
      // certificate: the rejection comes as an alert on the first read, after on_connected.
      if (max_version == TLS1_2_VERSION) CHECK_FALSE(rec.connected);
      CHECK(rec.frames.empty());
      CHECK(rec.closed->code != 0);
      CHECK_FALSE(rec.closed->message.empty());
      CHECK(contains(rec.closed->message, loopback(listener.port())));
      MESSAGE("closed (connected: " << rec.connected << "): " << rec.closed->message);
    }
  }
}

TEST_CASE("TLS: a wrong or missing key password makes TlsContext::create throw") {
  TlsOptions options = trusting_ca();
  options.certificate_file = pki().client.certificate_file;
  options.key_file = pki().client.key_file;
  options.key_password = "not the password";
  try {
    TlsContext::create(options);
    FAIL("TlsContext::create accepted a wrong key password");
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    MESSAGE("threw: " << what);
    CHECK(contains(what, pki().client.key_file));
    CHECK_FALSE(contains(what, options.key_password));
  }
  options.key_password.clear();
  CHECK_THROWS_AS(TlsContext::create(options), std::runtime_error);
  options.key_password = client_key_password;
  CHECK_NOTHROW(TlsContext::create(options));
}

TEST_CASE_TEMPLATE("TLS: a plaintext listener that hangs up on the ClientHello is named", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  Listener listener;
  std::atomic<bool> got_hello{false};
  PeerThread peer([&] {
    int fd = listener.accept(5s);
    // A Kafka listener reads 0x16030100.. as the size of a request far too large, and closes.
    uint8_t prefix[4];
    got_hello = read_exact(fd, prefix, 4) && prefix[0] == 0x16 && prefix[1] == 0x03;
    close_fd(fd);
  });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }, 5s));
  CHECK(got_hello);
  CHECK_FALSE(rec.connected);
  CHECK(rec.closed->code != 0);
  CHECK(contains(rec.closed->message, "during the TLS handshake"));
  CHECK(contains(rec.closed->message, loopback(listener.port())));
  MESSAGE("closed: " << rec.closed->message);
}

TEST_CASE_TEMPLATE("TLS: a plaintext listener that answers in plaintext is named", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept(5s);
    uint8_t hello[64];
    if (read_exact(fd, hello, sizeof hello)) {
      Bytes reply = make_frame(pattern(100, 1));
      write_all(fd, reply.data(), reply.size());
    }
    uint8_t byte;
    while (read_exact(fd, &byte, 1)) {
    }
    close_fd(fd);
  });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }, 5s));
  CHECK_FALSE(rec.connected);
  CHECK(rec.closed->code != 0);
  CHECK(contains(rec.closed->message, "TLS handshake with " + loopback(listener.port())));
  MESSAGE("closed: " << rec.closed->message);
}

TEST_CASE_TEMPLATE("TLS: a server that never answers the handshake times out", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept(5s);
    uint8_t byte;
    while (read_exact(fd, &byte, 1)) {  // reads the ClientHello, says nothing
    }
    close_fd(fd);
  });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  auto start = std::chrono::steady_clock::now();
  reactor->connect({"127.0.0.1", listener.port()}, 300ms, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }, 5s));
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK_FALSE(rec.connected);
  CHECK(rec.closed->code == ETIMEDOUT);
  CHECK(contains(rec.closed->message, loopback(listener.port())));
  MESSAGE("closed: " << rec.closed->message);
}

TEST_CASE_TEMPLATE("TLS: a server limited to TLS 1.2 negotiates TLS 1.2", T, RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  ServerSettings settings;
  settings.max_version = TLS1_2_VERSION;
  ServerContext server(settings);
  Listener listener;
  PeerThread peer([&] { serve_tls(listener, server, echo_frames); });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  std::vector<Bytes> bodies = {pattern(50, 1), pattern(40000, 2)};
  std::vector<Bytes> frames = {make_frame(bodies[0]), make_frame(bodies[1])};
  send_frame(*reactor, id, frames[0], 1);
  send_frame(*reactor, id, frames[1], 2);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == 2 || rec.closed; }, 5s));
  CHECK(rec.frames == bodies);
  CHECK(context->negotiated().rfind("TLSv1.2", 0) == 0);
  MESSAGE("negotiated: " << context->negotiated());
  close_and_check(*reactor, id, rec);
}

TEST_CASE_TEMPLATE("TLS: frames the server sends right after its handshake arrive", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  int max_version = 0;
  SUBCASE("TLS 1.3") { max_version = 0; }
  SUBCASE("TLS 1.2") { max_version = TLS1_2_VERSION; }
  CAPTURE(max_version);
  auto context = TlsContext::create(trusting_ca());
  ServerSettings settings;
  settings.max_version = max_version;
  ServerContext server(settings);
  Listener listener;
  std::vector<Bytes> bodies = {pattern(10, 1), pattern(20000, 2), pattern(0, 3)};
  PeerThread peer([&] {
    serve_tls(listener, server, [&](SSL* ssl) {
      // With TLS 1.2 these can reach the client in the same read as the server's Finished.
      for (const Bytes& body : bodies) ssl_write_frame(ssl, body);
      ssl_wait_for_close(ssl);
    });
  });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == bodies.size() || rec.closed; }, 5s));
  CHECK(rec.connected);
  CHECK(rec.frames == bodies);
  close_and_check(*reactor, id, rec);
}

TEST_CASE_TEMPLATE("TLS: no frame is delivered after the handler closes the connection", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  ServerContext server;
  Listener listener;
  PeerThread peer([&] {
    serve_tls(listener, server, [&](SSL* ssl) {
      Bytes all;  // five frames in one TLS record
      for (uint32_t i = 0; i < 5; ++i) {
        Bytes frame = make_frame(pattern(30, i));
        all.insert(all.end(), frame.begin(), frame.end());
      }
      ssl_write_all(ssl, all.data(), all.size());
      ssl_wait_for_close(ssl);
    });
  });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  rec.frame_hook = [&](ConnectionId conn, std::span<const uint8_t>) {
    if (rec.frames.size() == 2) reactor->close(conn);
  };
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }, 5s));
  CHECK(id != 0);
  CHECK(rec.frames.size() == 2);
  CHECK(rec.closed->code == 0);
  CHECK(rec.callbacks_after_close == 0);
}

TEST_CASE_TEMPLATE("TLS: two connections on one reactor keep their streams apart", T,
                   RAWKAFKA_IO_BACKENDS) {
  if (!backend_available<T>()) return;
  auto context = TlsContext::create(trusting_ca());
  ServerContext server;
  Listener first_listener;
  Listener second_listener;
  PeerThread first_peer([&] { serve_tls(first_listener, server, echo_frames); });
  PeerThread second_peer([&] { serve_tls(second_listener, server, echo_frames); });
  auto reactor = make_tls_reactor_for<T>(context);
  Recorder first, second;
  ConnectionId a = reactor->connect({"127.0.0.1", first_listener.port()}, 5s, first);
  ConnectionId b = reactor->connect({"127.0.0.1", second_listener.port()}, 5s, second);
  CHECK(a != b);
  std::vector<Bytes> bodies_a, bodies_b, frames;
  frames.reserve(40);
  for (uint32_t i = 0; i < 20; ++i) {
    bodies_a.push_back(pattern(100 + i, i));
    bodies_b.push_back(pattern(30000 + i, 100 + i));
    frames.push_back(make_frame(bodies_a.back()));
    send_frame(*reactor, a, frames.back(), i);
    frames.push_back(make_frame(bodies_b.back()));
    send_frame(*reactor, b, frames.back(), 100 + i);
  }
  REQUIRE(poll_until(*reactor, [&] {
    return (first.frames.size() == 20 && second.frames.size() == 20) || first.closed || second.closed;
  }, 10s));
  CHECK(first.frames == bodies_a);
  CHECK(second.frames == bodies_b);
  close_and_check(*reactor, a, first);
  close_and_check(*reactor, b, second);
}
