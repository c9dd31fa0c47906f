#include "payload.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <stdexcept>

namespace rawkafka::rawproduce {

namespace {

// Messages in the style of application logs; with the fixed fields they make records of
// 110-140 bytes, about 125 on average.
const char* const kTemplates[] = {
    "user %u logged in from 10.%u.%u.%u",
    "GET /orders/%u 200 in %u ms",
    "cache miss for session:%u",
    "payment %u authorised: %u.%02u EUR",
    "retrying job %u, attempt %u of 5",
    "disk usage %u%% on data-%u",
    "connection pool exhausted",
    "request %u timed out after %u ms",
    "order %u shipped from depot %u",
    "Test log message %u",
};
const char* const kLevels[] = {"INFO", "WARN", "ERROR", "DEBUG"};

}  // namespace

PayloadPool PayloadPool::json_logs(size_t count, uint64_t seed) {
  PayloadPool pool;
  std::mt19937_64 rng(seed);
  pool.data_.reserve(count * 130);
  // Timestamps advance by a few hundred microseconds per record from a fixed instant.
  int64_t micros = 0;
  char message[96];
  char record[256];
  for (size_t i = 0; i < count; ++i) {
    micros += int64_t(rng() % 500);
    const time_t total_s = time_t(1745733814 + micros / 1'000'000);  // 2025-04-27T06:03:34Z
    struct tm utc {};
    gmtime_r(&total_s, &utc);
    const unsigned a = unsigned(rng() % 100000), b = unsigned(rng() % 256), c = unsigned(rng() % 256),
                   d = unsigned(rng() % 256);
    const char* tmpl = kTemplates[rng() % (sizeof(kTemplates) / sizeof(kTemplates[0]))];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
    std::snprintf(message, sizeof(message), tmpl, a, b, c, d);
#pragma GCC diagnostic pop
    // Level mix of a typical service: mostly INFO.
    const unsigned roll = unsigned(rng() % 100);
    const char* level = roll < 70 ? kLevels[0] : roll < 85 ? kLevels[3] : roll < 95 ? kLevels[1] : kLevels[2];
    int n = std::snprintf(record, sizeof(record),
                          "{\"Timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06dZ\",\"Level\":\"%s\","
                          "\"Message\":\"%s\",\"ResourceID\":\"resource-%u\"}",
                          utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                          utc.tm_sec, int(micros % 1'000'000), level, message, unsigned(i % 10));
    if (n < 0) n = 0;
    if (size_t(n) >= sizeof(record)) n = int(sizeof(record) - 1);
    pool.offsets_.push_back(pool.data_.size());
    pool.lengths_.push_back(uint32_t(n));
    pool.data_.insert(pool.data_.end(), record, record + n);
  }
  return pool;
}

PayloadPool PayloadPool::random(uint32_t record_size, size_t count, uint64_t seed) {
  PayloadPool pool;
  std::mt19937_64 rng(seed);
  // One buffer of random letters; record i is the window after record i-1's (wrapping), so the
  // run reads its records as a stream, as an application's freshly made records sit in cache,
  // not a cache miss or two per record (a pseudo-random window each cost 20 ns per 100-byte
  // record against the null sink). Windows do not repeat within 1 MiB: no codec finds them
  // in a 64 KiB window.
  const size_t span = std::max<size_t>(size_t(1) << 20, size_t(record_size) * 2);
  pool.data_.resize(span + record_size);
  for (auto& byte : pool.data_) byte = uint8_t('A' + rng() % 26);
  for (size_t i = 0; i < count; ++i) {
    pool.offsets_.push_back(size_t(i) * record_size % (span + 1));
    pool.lengths_.push_back(record_size);
  }
  return pool;
}

PayloadPool PayloadPool::from_text(const std::string& contents, const std::string& delimiter) {
  PayloadPool pool;
  pool.data_.assign(contents.begin(), contents.end());
  size_t pos = 0;
  while (pos <= contents.size()) {
    size_t end = contents.find(delimiter, pos);
    if (end == std::string::npos) end = contents.size();
    if (end > pos) {
      pool.offsets_.push_back(pos);
      pool.lengths_.push_back(uint32_t(end - pos));
    }
    pos = end + delimiter.size();
  }
  if (pool.offsets_.empty()) throw std::runtime_error("the payload file holds no records");
  return pool;
}

PayloadPool PayloadPool::from_file(const std::string& path, const std::string& delimiter) {
  auto fail = [&](const std::string& why) { return PayloadFileError(path + ": " + why); };
  auto system_reason = [](int error) {
    if (error == ENOENT || error == ENOTDIR) return std::string("no such file");
    if (error == EISDIR) return std::string("is a directory, not a file");
    std::string text = std::strerror(error);
    if (!text.empty()) text[0] = char(std::tolower(static_cast<unsigned char>(text[0])));
    return "cannot be read (" + text + ")";
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw fail(system_reason(errno));
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw fail(system_reason(EISDIR));
  }
  std::string contents;
  if (S_ISREG(st.st_mode) && st.st_size > 0) contents.reserve(size_t(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw fail(system_reason(error));
    }
    contents.append(buf, size_t(n));
  }
  ::close(fd);
  try {
    return from_text(contents, delimiter);
  } catch (const std::runtime_error&) {
    throw fail(contents.empty() ? "holds no records (the file is empty)" : "holds no records (only delimiters)");
  }
}

double PayloadPool::average_size() const {
  if (lengths_.empty()) return 0;
  double total = 0;
  for (uint32_t n : lengths_) total += n;
  return total / double(lengths_.size());
}

}  // namespace rawkafka::rawproduce
