// The wake handshake between threads that hand entries over through SpscByteRings and the
// reactor thread that reads them, as ring_handoff.cpp and CoreWorker::pump do it:
//   producer: commit the entry, fence, and wake the reactor only if it says it is asleep;
//   consumer: say it is asleep, fence, look at the rings once more, and only then poll.
// One side always sees the other, so no entry waits out a poll's full timeout. Each test runs
// on both reactor backends, with one and with two producer threads (wake() from two threads).

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rawkafka/io/reactor.hpp"
#include "spsc_ring.hpp"

using rawkafka::client::detail::SpscByteRing;
using namespace rawkafka::io;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Uring {
  static constexpr Backend backend = Backend::uring;
};
struct Asio {
  static constexpr Backend backend = Backend::asio;
};

// Long enough that no scheduler or sanitizer delay comes near it: a poll that runs this long
// while an entry waits means a wake-up was lost.
constexpr auto kSleepTimeout = 2s;
constexpr auto kGiveUp = 60s;

// Entry i: its index, the time it was published, a varying length (so entries wrap around the
// ring at every offset), and its index's low byte last.
struct Stamp {
  uint64_t index;
  int64_t published_ns;
};
size_t entry_size(uint64_t i) { return sizeof(Stamp) + 1 + size_t(i * 37 % 200); }
int64_t to_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
Stamp read_stamp(std::span<const uint8_t> e) {
  Stamp s;
  std::memcpy(&s, e.data(), sizeof s);
  return s;
}

// One producer thread's ring into the core, and how far the core has read it.
struct Lane {
  SpscByteRing ring{4096};
  std::atomic<uint64_t> consumed{0};
  uint64_t next = 0;  // consumer-owned
  bool intact = true;
};

struct Core {
  explicit Core(std::unique_ptr<Reactor> r) : reactor(std::move(r)) {}
  std::unique_ptr<Reactor> reactor;
  std::atomic<bool> sleeping{false};
  std::atomic<bool> abandon{false};  // the consumer gave up: producers stop waiting

  // Producer side (ring_handoff.cpp's hand_over, then CoreWorker::wake).
  void publish(Lane& lane, uint64_t i) {
    const size_t n = entry_size(i);
    uint8_t* p;
    while (!(p = lane.ring.try_reserve(n))) {
      if (abandon.load(std::memory_order_relaxed)) return;
      std::this_thread::yield();
    }
    Stamp s{i, to_ns(Clock::now())};
    std::memcpy(p, &s, sizeof s);
    p[n - 1] = uint8_t(i);
    lane.ring.commit(n);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleeping.load(std::memory_order_relaxed)) {
      sleeping.store(false, std::memory_order_relaxed);
      reactor->wake();
    }
  }
};

struct Counts {
  uint64_t sleeps = 0;        // polls that were allowed to wait
  uint64_t caught = 0;        // rechecks after `sleeping` that found an entry and did not wait
  uint64_t lost_wakeups = 0;  // full-timeout polls while an entry older than the poll waited
  bool timed_out = false;
};

// The core's loop (CoreWorker::pump without the Kafka work) until every lane has delivered
// `per_lane` entries.
Counts consume(Core& core, std::vector<std::unique_ptr<Lane>>& lanes, uint64_t per_lane) {
  Counts counts;
  uint64_t turn = 0;
  const auto give_up = Clock::now() + kGiveUp;
  for (;;) {
    bool done = true;
    for (auto& lane : lanes) {
      for (auto e = lane->ring.front(); !e.empty(); e = lane->ring.front()) {
        Stamp s = read_stamp(e);
        lane->intact = lane->intact && e.size() == entry_size(lane->next) &&
                       s.index == lane->next && e.back() == uint8_t(lane->next);
        lane->ring.pop(e.size());
        ++lane->next;
      }
      lane->ring.release();
      lane->consumed.store(lane->next, std::memory_order_release);
      done = done && lane->next == per_lane;
    }
    if (done) return counts;
    if (Clock::now() > give_up) {
      counts.timed_out = true;
      core.abandon = true;
      return counts;
    }

    // The core's other work between reading the rings and going to sleep (lingering batches,
    // sends, timeouts), of varying length: entries published meanwhile must be caught by the
    // recheck below, since their producer saw no `sleeping` and did not wake the core.
    for (uint64_t spin = ++turn * 13 % 512; spin > 0; --spin) {
      core.abandon.load(std::memory_order_relaxed);
    }

    core.sleeping.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    bool all_empty = true;
    for (auto& lane : lanes) all_empty = all_empty && lane->ring.empty_for_consumer();
    std::chrono::nanoseconds wait = all_empty ? std::chrono::nanoseconds(kSleepTimeout) : 0ns;
    if (all_empty) {
      ++counts.sleeps;
    } else {
      ++counts.caught;
    }
    const auto start = Clock::now();
    core.reactor->poll(wait);
    const auto slept = Clock::now() - start;
    core.sleeping.store(false, std::memory_order_relaxed);

    if (wait > 0ns && slept >= kSleepTimeout) {
      for (auto& lane : lanes) {
        auto e = lane->ring.front();
        if (!e.empty() && read_stamp(e).published_ns < to_ns(start)) ++counts.lost_wakeups;
      }
      if (counts.lost_wakeups > 0) {
        core.abandon = true;  // one is enough to fail; do not wait out the rest
        return counts;
      }
    }
  }
}

template <class T>
std::unique_ptr<Reactor> make_core_reactor() {
  ReactorOptions options;
  options.backend = T::backend;
  try {
    return Reactor::create(options);
  } catch (const std::runtime_error& e) {
    MESSAGE("io_uring unavailable here, skipping: " << std::string(e.what()));
    return nullptr;
  }
}

// Runs `producers` threads, each calling body(core, its lane), against the consumer loop on
// this thread, and checks that every entry came through, in order and intact, with no lost
// wake-up.
template <class Body>
Counts run_handoffs(std::unique_ptr<Reactor> reactor, unsigned producers, uint64_t per_lane,
                    Body body) {
  Core core(std::move(reactor));
  std::vector<std::unique_ptr<Lane>> lanes;
  for (unsigned p = 0; p < producers; ++p) lanes.push_back(std::make_unique<Lane>());
  std::vector<std::thread> threads;
  for (auto& lane : lanes) threads.emplace_back([&core, &lane, &body] { body(core, *lane); });
  Counts counts = consume(core, lanes, per_lane);
  for (auto& t : threads) t.join();
  MESSAGE(producers << " producer(s): " << counts.sleeps << " polls allowed to sleep, "
                    << counts.caught << " entries caught by the recheck");
  CHECK_FALSE(counts.timed_out);
  CHECK(counts.lost_wakeups == 0);
  for (auto& lane : lanes) {
    CHECK(lane->next == per_lane);
    CHECK(lane->intact);
    CHECK(lane->ring.front().empty());
  }
  return counts;
}

}  // namespace

TEST_CASE_TEMPLATE("ping-pong handoffs: each races the core going to sleep, none is left waiting",
                   T, Uring, Asio) {
  constexpr uint64_t kHandoffs = 20000;
  for (unsigned producers : {1u, 2u}) {
    auto reactor = make_core_reactor<T>();
    if (!reactor) return;
    // The producer publishes the next entry as soon as the core has read the last one, after
    // a short spin of varying length, so the publish lands anywhere in the core's path from
    // "rings empty" through "sleeping", the recheck and the poll.
    auto producer = [](Core& core, Lane& lane) {
      for (uint64_t i = 0; i < kHandoffs; ++i) {
        // Spins before yielding, to notice the read within the core's few steps to sleep.
        for (unsigned spins = 0; lane.consumed.load(std::memory_order_acquire) < i; ++spins) {
          if (core.abandon.load(std::memory_order_relaxed)) return;
          if (spins > 2000) std::this_thread::yield();
        }
        for (uint64_t spin = i * 7 % 1024; spin > 0; --spin) {
          core.sleeping.load(std::memory_order_relaxed);
        }
        core.publish(lane, i);
      }
    };
    Counts counts = run_handoffs(std::move(reactor), producers, kHandoffs, producer);
    CHECK(counts.sleeps > 0);  // the handshake was exercised, not only the recheck
  }
}

TEST_CASE_TEMPLATE("bursts with pauses: every entry arrives once, in order, with no lost wake-up",
                   T, Uring, Asio) {
  constexpr uint64_t kEntries = 50000;
  for (unsigned producers : {1u, 2u}) {
    auto reactor = make_core_reactor<T>();
    if (!reactor) return;
    // Bursts of 1-64 entries (often more than the ring holds, so the producer also waits for
    // space), then a pause long enough for the core to fall asleep.
    auto producer = [](Core& core, Lane& lane) {
      uint64_t i = 0;
      for (uint64_t burst = 0; i < kEntries; ++burst) {
        for (uint64_t n = 1 + burst * 7 % 64; n > 0 && i < kEntries; --n) {
          core.publish(lane, i++);
        }
        if (core.abandon.load(std::memory_order_relaxed)) return;
        if (burst % 3 == 0) {
          std::this_thread::sleep_for(std::chrono::microseconds(burst % 50));
        } else {
          std::this_thread::yield();
        }
      }
    };
    Counts counts = run_handoffs(std::move(reactor), producers, kEntries, producer);
    CHECK(counts.sleeps > 0);
  }
}
