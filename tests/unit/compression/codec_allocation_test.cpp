// Steady state allocates nothing: once a codec has handled a batch, further batches of the same
// kind reuse its library contexts and the caller's buffers. Counted by replacing malloc & co for
// this test binary (the codec libraries allocate through them too). The sanitizer build brings its
// own allocator, so there the count is not taken.

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

#include "rawkafka/compression/codecs.hpp"
#include "test_data.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define RAWKAFKA_COUNT_ALLOCATIONS 0
#else
#define RAWKAFKA_COUNT_ALLOCATIONS 1
#endif
// Under the sanitizers nothing is counted, so the cases are reported as skipped, not passed.
constexpr bool kNotCounting = !RAWKAFKA_COUNT_ALLOCATIONS;

#if RAWKAFKA_COUNT_ALLOCATIONS
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* p);
}

namespace {
thread_local bool counting = false;
thread_local size_t allocations = 0;
}  // namespace

extern "C" {
void* malloc(size_t size) {
  if (counting) ++allocations;
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) {
  if (counting) ++allocations;
  return __libc_calloc(count, size);
}
void* realloc(void* p, size_t size) {
  if (counting) ++allocations;
  return __libc_realloc(p, size);
}
void* aligned_alloc(size_t alignment, size_t size) {
  if (counting) ++allocations;
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) {
  if (counting) ++allocations;
  *out = __libc_memalign(alignment, size);
  return *out ? 0 : 12;  // ENOMEM
}
void free(void* p) { __libc_free(p); }
}
#endif

using namespace rawkafka::compression;
using namespace rawkafka::compression::testing;

namespace {

struct Counter {
#if RAWKAFKA_COUNT_ALLOCATIONS
  Counter() {
    allocations = 0;
    counting = true;
  }
  ~Counter() { counting = false; }
  size_t count() const { return allocations; }
#else
  size_t count() const { return 0; }
#endif
};

std::vector<uint8_t> read_data(const char* name) {
  std::ifstream in(std::string(RAWKAFKA_COMPRESSION_TEST_DATA) + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Counts {
  size_t compress = 0;
  size_t decompress = 0;
};

// Five rounds of (1 MiB of logs, 300 KB of noise) after two warm-up rounds.
Counts count_steady_state(CompressionType type, int level) {
  static const auto logs = json_logs(1 << 20);
  static const auto noise = random_bytes(300000);
  auto codec = make_codec(type, level);
  std::vector<uint8_t> packed(codec->max_compressed_size(logs.size()));
  std::vector<uint8_t> out;
  Counts counts;
  auto round = [&](const std::vector<uint8_t>& input, bool count) {
    CodecResult c{};
    {
      Counter counter;
      c = codec->compress(input, packed);
      if (count) counts.compress += counter.count();
    }
    REQUIRE(c.ok());
    CodecResult d{};
    {
      Counter counter;
      d = codec->decompress({packed.data(), c.size}, out, logs.size());
      if (count) counts.decompress += counter.count();
    }
    REQUIRE(d.ok());
    REQUIRE(out == input);
  };
  round(logs, false);
  round(noise, false);
  for (int i = 0; i < 5; ++i) {
    round(logs, true);
    round(noise, true);
  }
  return counts;
}

}  // namespace

TEST_CASE("compress and decompress allocate nothing once warmed up" * doctest::skip(kNotCounting)) {
  struct Setting {
    CompressionType type;
    int level;
  };
  for (Setting s : {Setting{CompressionType::none, kDefaultLevel}, Setting{CompressionType::gzip, kDefaultLevel},
                    Setting{CompressionType::gzip, 1}, Setting{CompressionType::lz4, kDefaultLevel},
                    Setting{CompressionType::lz4, 3}, Setting{CompressionType::lz4, 9},
                    Setting{CompressionType::zstd, kDefaultLevel}, Setting{CompressionType::zstd, -5},
                    Setting{CompressionType::zstd, 9}}) {
    CAPTURE(rawkafka::protocol::to_string(s.type));
    CAPTURE(s.level);
    Counts counts = count_steady_state(s.type, s.level);
    CHECK(counts.compress == 0);
    CHECK(counts.decompress == 0);
  }
}

TEST_CASE("where the libraries allocate on their own: snappy compress, lz4 levels 10 and up" * doctest::skip(kNotCounting)) {
  // libsnappy has no reusable context: RawCompress allocates its working memory on each call.
  Counts snappy = count_steady_state(CompressionType::snappy, kDefaultLevel);
  CHECK(snappy.compress <= 10);  // at most one per batch (10 batches)
  CHECK(snappy.decompress == 0);
  // liblz4's optimal parser (HC levels 10-12; 13-17 clamp to 12) allocates a table per 64 KB
  // block (LZ4HC_HEAPMODE). Levels 1-9 do not.
  Counts lz4 = count_steady_state(CompressionType::lz4, 12);
  CHECK(lz4.compress <= 5 * (16 + 5));  // at most one per block: 16 + 5 blocks per round
  CHECK(lz4.decompress == 0);
}

TEST_CASE("reading the Java client's frames allocates nothing once warmed up" * doctest::skip(kNotCounting)) {
  // zstd without a content size takes the streaming path (a window buffer kept in the context);
  // snappy takes the xerial path.
  struct Sample {
    const char* file;
    CompressionType type;
  };
  CodecSet codecs;
  for (Sample s : {Sample{"java_gzip.bin", CompressionType::gzip}, Sample{"java_snappy.bin", CompressionType::snappy},
                   Sample{"java_lz4.bin", CompressionType::lz4}, Sample{"java_zstd.bin", CompressionType::zstd}}) {
    CAPTURE(s.file);
    const auto data = read_data(s.file);
    std::vector<uint8_t> out;
    REQUIRE(codecs.codec(s.type)->decompress(data, out, 1 << 20).ok());
    size_t count = 0;
    {
      Counter counter;
      for (int i = 0; i < 5; ++i) REQUIRE(codecs.codec(s.type)->decompress(data, out, 1 << 20).ok());
      count = counter.count();
    }
    CHECK(count == 0);
    CHECK(out == json_logs(70000, 7));
  }
}
