#pragma once
// A per-thread monotonic nanosecond clock read from the CPU's time-stamp counter where it is
// invariant (x86-64 with constant_tsc), calibrated against steady_clock: a few cycles per
// read instead of a clock_gettime call, which matters when every record is time-stamped.
// Elsewhere it is steady_clock.

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace rawkafka::client::detail {

// Points in time on a core: steady_clock's epoch, nanosecond ticks.
using Duration = std::chrono::nanoseconds;
using Instant = std::chrono::time_point<std::chrono::steady_clock, Duration>;

class FastClock {
 public:
  FastClock() { calibrate_start(); }

  Instant now() const { return Instant(Duration(now_ns())); }

  int64_t now_ns() const {
#if defined(__x86_64__)
    return base_ns_ + int64_t(double(int64_t(__rdtsc() - base_tsc_)) * ns_per_tick_);
#else
    return steady_ns();
#endif
  }

  // Refines the tick length over the time since construction (call now and then, e.g. once a
  // second); the longer the baseline, the smaller the error.
  void recalibrate() {
#if defined(__x86_64__)
    const uint64_t tsc = __rdtsc();
    const int64_t ns = steady_ns();
    if (tsc > base_tsc_ && ns - base_ns_ > 1'000'000) {
      ns_per_tick_ = double(ns - base_ns_) / double(tsc - base_tsc_);
    }
#endif
  }

  static int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

 private:
  void calibrate_start() {
    base_ns_ = steady_ns();
#if defined(__x86_64__)
    base_tsc_ = __rdtsc();
    // A first estimate over ~1 ms; recalibrate() improves it as time passes.
    int64_t ns;
    do {
      ns = steady_ns();
    } while (ns - base_ns_ < 1'000'000);
    ns_per_tick_ = double(ns - base_ns_) / double(__rdtsc() - base_tsc_);
#endif
  }

  int64_t base_ns_ = 0;
  uint64_t base_tsc_ = 0;
  double ns_per_tick_ = 1.0;
};

}  // namespace rawkafka::client::detail
