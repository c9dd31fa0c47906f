// Codec throughput on the seed workload: each codec at a few levels, compress and decompress,
// through our Codec (BM_Codec...) and through the codec library called directly on the same
// buffers (BM_Direct...), so the wrapper's cost shows side by side in one run.
//
// Inputs: "json" = ~125-byte JSON log records concatenated to a 1 MiB batch; "random" = 1 MiB of
// 100-byte random values; "random100" = one 100-byte random value (per-call overhead).
// Bytes/s count uncompressed bytes both ways; counters["ratio"] = uncompressed / compressed.

#include <benchmark/benchmark.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "rawkafka/compression/codecs.hpp"

namespace {

using rawkafka::compression::CompressionType;
using rawkafka::compression::kDefaultLevel;

struct Rng {
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dULL;
  }
};

std::vector<uint8_t> json_logs(size_t size) {
  static const char* const kLevels[] = {"INFO", "WARNING", "ERROR", "DEBUG"};
  Rng rng;
  std::vector<uint8_t> out;
  char buf[256];
  for (uint64_t i = 0; out.size() < size; ++i) {
    uint64_t ms = 1745165341123ULL + i * 7 + rng.next() % 5;
    uint64_t sec = ms / 1000;
    int n = std::snprintf(buf, sizeof buf,
                          "{\"Timestamp\": \"2025-04-20T%02u:%02u:%02u.%03u%03u\", \"Level\": \"%s\", "
                          "\"Message\": \"Test log message %llu\", \"ResourceID\": \"resource-%llu\"}",
                          unsigned(sec / 3600 % 24), unsigned(sec / 60 % 60), unsigned(sec % 60),
                          unsigned(ms % 1000), unsigned(rng.next() % 1000), kLevels[rng.next() % 4],
                          static_cast<unsigned long long>(i), static_cast<unsigned long long>(i % 10));
    out.insert(out.end(), buf, buf + n);
  }
  out.resize(size);
  return out;
}

std::vector<uint8_t> random_values(size_t size) {
  Rng rng;
  std::vector<uint8_t> out(size);
  for (auto& b : out) b = uint8_t(rng.next() >> 56);
  return out;
}

const std::vector<uint8_t>& input(const std::string& name) {
  static const auto json = json_logs(1 << 20);
  static const auto random = random_values(1 << 20);
  static const auto random100 = random_values(100);
  if (name == "json") return json;
  if (name == "random") return random;
  return random100;
}

// ---- the codec library, called directly (same settings as our codecs) -----------------------

class Direct {
 public:
  virtual ~Direct() = default;
  virtual size_t compress(const std::vector<uint8_t>& in, std::vector<uint8_t>& out) = 0;
  // `out` is preallocated to the exact decompressed size.
  virtual size_t decompress(const uint8_t* in, size_t n, std::vector<uint8_t>& out) = 0;
};

class DirectNone final : public Direct {
 public:
  size_t compress(const std::vector<uint8_t>& in, std::vector<uint8_t>& out) override {
    std::memcpy(out.data(), in.data(), in.size());
    return in.size();
  }
  size_t decompress(const uint8_t* in, size_t n, std::vector<uint8_t>& out) override {
    std::memcpy(out.data(), in, n);
    return n;
  }
};

class DirectGzip final : public Direct {
 public:
  explicit DirectGzip(int level) {
    deflateInit2(&d_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    inflateInit2(&i_, 15 + 16);
  }
  ~DirectGzip() override {
    deflateEnd(&d_);
    inflateEnd(&i_);
  }
  size_t compress(const std::vector<uint8_t>& in, std::vector<uint8_t>& out) override {
    deflateReset(&d_);
    d_.next_in = const_cast<Bytef*>(in.data());
    d_.avail_in = uInt(in.size());
    d_.next_out = out.data();
    d_.avail_out = uInt(out.size());
    deflate(&d_, Z_FINISH);
    return out.size() - d_.avail_out;
  }
  size_t decompress(const uint8_t* in, size_t n, std::vector<uint8_t>& out) override {
    inflateReset(&i_);
    i_.next_in = const_cast<Bytef*>(in);
    i_.avail_in = uInt(n);
    i_.next_out = out.data();
    i_.avail_out = uInt(out.size());
    inflate(&i_, Z_FINISH);
    return out.size() - i_.avail_out;
  }

 private:
  z_stream d_{};
  z_stream i_{};
};

class DirectSnappy final : public Direct {
 public:
  size_t compress(const std::vector<uint8_t>& in, std::vector<uint8_t>& out) override {
    size_t n = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in.data()), in.size(),
                        reinterpret_cast<char*>(out.data()), &n);
    return n;
  }
  size_t decompress(const uint8_t* in, size_t n, std::vector<uint8_t>& out) override {
    snappy::RawUncompress(reinterpret_cast<const char*>(in), n, reinterpret_cast<char*>(out.data()));
    return out.size();
  }
};

class DirectLz4 final : public Direct {
 public:
  explicit DirectLz4(int level) {
    LZ4F_createCompressionContext(&c_, LZ4F_VERSION);
    LZ4F_createDecompressionContext(&d_, LZ4F_VERSION);
    std::memset(&prefs_, 0, sizeof prefs_);
    prefs_.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs_.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs_.compressionLevel = level == 9 ? 0 : level;
    prefs_.autoFlush = 1;
  }
  ~DirectLz4() override {
    LZ4F_freeCompressionContext(c_);
    LZ4F_freeDecompressionContext(d_);
  }
  size_t compress(const std::vector<uint8_t>& in, std::vector<uint8_t>& out) override {
    size_t n = LZ4F_compressBegin(c_, out.data(), out.size(), &prefs_);
    n += LZ4F_compressUpdate(c_, out.data() + n, out.size() - n, in.data(), in.size(), nullptr);
    n += LZ4F_compressEnd(c_, out.data() + n, out.size() - n, nullptr);
    return n;
  }
  size_t decompress(const uint8_t* in, size_t n, std::vector<uint8_t>& out) override {
    size_t dst = out.size();
    size_t src = n;
    LZ4F_decompress(d_, out.data(), &dst, in, &src, nullptr);
    return dst;
  }

 private:
  LZ4F_cctx* c_ = nullptr;
  LZ4F_dctx* d_ = nullptr;
  LZ4F_preferences_t prefs_;
};

class DirectZstd final : public Direct {
 public:
  explicit DirectZstd(int level) : c_(ZSTD_createCCtx()), d_(ZSTD_createDCtx()) {
    ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, level);
  }
  ~DirectZstd() override {
    ZSTD_freeCCtx(c_);
    ZSTD_freeDCtx(d_);
  }
  size_t compress(const std::vector<uint8_t>& in, std::vector<uint8_t>& out) override {
    return ZSTD_compress2(c_, out.data(), out.size(), in.data(), in.size());
  }
  size_t decompress(const uint8_t* in, size_t n, std::vector<uint8_t>& out) override {
    return ZSTD_decompressDCtx(d_, out.data(), out.size(), in, n);
  }

 private:
  ZSTD_CCtx* c_;
  ZSTD_DCtx* d_;
};

std::unique_ptr<Direct> make_direct(CompressionType type, int level) {
  int resolved = rawkafka::compression::effective_level(type, level);
  switch (type) {
    case CompressionType::none: return std::make_unique<DirectNone>();
    case CompressionType::gzip: return std::make_unique<DirectGzip>(resolved);
    case CompressionType::snappy: return std::make_unique<DirectSnappy>();
    case CompressionType::lz4: return std::make_unique<DirectLz4>(resolved);
    case CompressionType::zstd: return std::make_unique<DirectZstd>(resolved);
  }
  return nullptr;
}

// ---- benchmarks ---------------------------------------------------------------------------

struct Case {
  CompressionType type;
  int level;
  std::string input;
};

void report(benchmark::State& state, size_t uncompressed, size_t compressed) {
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(uncompressed));
  state.counters["ratio"] = compressed ? double(uncompressed) / double(compressed) : 0.0;
}

void codec_compress(benchmark::State& state, Case c) {
  const auto& in = input(c.input);
  auto codec = rawkafka::compression::make_codec(c.type, c.level);
  std::vector<uint8_t> out(codec->max_compressed_size(in.size()));
  size_t size = 0;
  for (auto _ : state) {
    auto result = codec->compress(in, out);
    if (!result.ok()) state.SkipWithError("compress failed");
    size = result.size;
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, in.size(), size);
}

void codec_decompress(benchmark::State& state, Case c) {
  const auto& in = input(c.input);
  auto codec = rawkafka::compression::make_codec(c.type, c.level);
  std::vector<uint8_t> packed(codec->max_compressed_size(in.size()));
  packed.resize(codec->compress(in, packed).size);
  std::vector<uint8_t> out;  // reused across batches, as a reader does
  for (auto _ : state) {
    auto result = codec->decompress(packed, out, in.size());
    if (!result.ok()) state.SkipWithError("decompress failed");
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out != in) state.SkipWithError("decompressed bytes differ");
  report(state, in.size(), packed.size());
}

void direct_compress(benchmark::State& state, Case c) {
  const auto& in = input(c.input);
  auto direct = make_direct(c.type, c.level);
  auto codec = rawkafka::compression::make_codec(c.type, c.level);
  std::vector<uint8_t> out(codec->max_compressed_size(in.size()));
  size_t size = 0;
  for (auto _ : state) {
    size = direct->compress(in, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, in.size(), size);
}

void direct_decompress(benchmark::State& state, Case c) {
  const auto& in = input(c.input);
  auto direct = make_direct(c.type, c.level);
  std::vector<uint8_t> packed(
      rawkafka::compression::make_codec(c.type, c.level)->max_compressed_size(in.size()));
  packed.resize(direct->compress(in, packed));
  std::vector<uint8_t> out(in.size());
  for (auto _ : state) {
    size_t n = direct->decompress(packed.data(), packed.size(), out);
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  if (out != in) state.SkipWithError("decompressed bytes differ");
  report(state, in.size(), packed.size());
}

std::string level_name(int level) {
  return level == kDefaultLevel ? "default" : std::to_string(level);
}

const bool registered = [] {
  const std::pair<CompressionType, int> settings[] = {
      {CompressionType::none, kDefaultLevel}, {CompressionType::gzip, 1},
      {CompressionType::gzip, kDefaultLevel}, {CompressionType::snappy, kDefaultLevel},
      {CompressionType::lz4, kDefaultLevel},  {CompressionType::lz4, 3},
      {CompressionType::zstd, -5},            {CompressionType::zstd, 1},
      {CompressionType::zstd, kDefaultLevel}, {CompressionType::zstd, 9},
  };
  for (const char* in : {"json", "random", "random100"}) {
    for (auto [type, level] : settings) {
      Case c{type, level, in};
      std::string suffix = std::string(rawkafka::protocol::to_string(type)) + "/" +
                           level_name(level) + "/" + in;
      benchmark::RegisterBenchmark(("BM_CodecCompress/" + suffix).c_str(), codec_compress, c);
      benchmark::RegisterBenchmark(("BM_DirectCompress/" + suffix).c_str(), direct_compress, c);
      benchmark::RegisterBenchmark(("BM_CodecDecompress/" + suffix).c_str(), codec_decompress, c);
      benchmark::RegisterBenchmark(("BM_DirectDecompress/" + suffix).c_str(), direct_decompress, c);
    }
  }
  return true;
}();

}  // namespace
