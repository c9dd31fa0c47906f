#pragma once
// TLS over either backend. The handshake and the records go through OpenSSL memory BIOs driven
// by the reactor's callbacks, so io_uring (or Asio) keeps doing the socket I/O and sees only
// ciphertext. Certificate and hostname verification are on unless switched off; a client
// certificate and key make it mutual TLS. TLS 1.2 and 1.3.

#include <memory>
#include <mutex>
#include <string>

#include "rawkafka/io/reactor.hpp"

struct ssl_ctx_st;

namespace rawkafka::io {

struct TlsOptions {
  // PEM file of the certificates to trust; empty: OpenSSL's default locations (the system's).
  std::string ca_file;
  // Client certificate chain for mutual TLS, PEM; the file may hold the private key too (a
  // Java-style PEM key store: key, certificate, CA).
  std::string certificate_file;
  // Its private key, PEM; empty: read from certificate_file.
  std::string key_file;
  std::string key_password;  // for an encrypted key; never printed
  // Check that the broker's certificate names the host connected to (a DNS name or an IP
  // address in its subjectAltName).
  bool verify_hostname = true;
  // Check the broker's certificate chain at all. Off only for tests against a throwaway CA.
  bool verify_certificate = true;
};

// One OpenSSL context, made once and shared by the reactors of every core thread.
class TlsContext {
 public:
  // Throws std::runtime_error naming the file and OpenSSL's reason when a certificate or key
  // cannot be loaded (a wrong key password included).
  static std::shared_ptr<TlsContext> create(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  const TlsOptions& options() const { return options_; }
  // What the latest completed handshake negotiated, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384";
  // empty before the first. Thread-safe.
  std::string negotiated() const;
  void set_negotiated(std::string text);

  ssl_ctx_st* native() const { return context_; }

 private:
  explicit TlsContext(const TlsOptions& options) : options_(options) {}

  TlsOptions options_;
  ssl_ctx_st* context_ = nullptr;
  mutable std::mutex mutex_;
  std::string negotiated_;
};

// A reactor whose connections speak TLS over `inner`'s: connect() runs the handshake after
// the TCP connect, within the same timeout, and on_connected comes once it is done; send()
// encrypts, on_frame gets decrypted frames. A failed handshake is an on_closed whose message
// names the address and OpenSSL's reason (an untrusted certificate, a wrong hostname, a
// listener that does not speak TLS). Timers, poll() and wake() are the inner reactor's.
std::unique_ptr<Reactor> make_tls_reactor(std::unique_ptr<Reactor> inner,
                                          std::shared_ptr<TlsContext> context,
                                          const ReactorOptions& options = {});

}  // namespace rawkafka::io
