// Thread pool: see pool.h for why. A job is published by bumping `generation`; workers spin on it for up to
// kSpinNs, then sleep in atomic::wait (a futex). Chunks are handed out with one atomic counter, and a worker
// must join the job before taking chunks: once the caller has run out of chunks it closes the job and waits
// only for workers that joined. A worker that was descheduled (another process on a shared machine) therefore
// never holds the caller up; it just finds the job closed when it wakes.
#include "pool.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace lapo {
namespace {

constexpr int64_t kSpinNs = 100000;  // 0.1 ms: longer than most gaps between two kernels of a step (~35 µs of tfjs)

struct Job {
  const std::function<void(int64_t, int64_t, int)>* fn = nullptr;
  int64_t n = 0;
  int64_t grain = 1;
  std::atomic<int64_t> next{0};
};

class Pool {
 public:
  explicit Pool(int threads) { start(threads); }
  ~Pool() { stop(); }

  int threads() const { return threads_; }

  void resize(int threads) {
    if (threads == threads_) return;
    stop();
    start(threads);
  }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn) {
    if (grain < 1) grain = 1;
    if (threads_ <= 1 || n <= grain) {
      fn(0, n, 0);
      return;
    }
    job_.fn = &fn;
    job_.n = n;
    job_.grain = grain;
    job_.next.store(0, std::memory_order_relaxed);
    joined_.store(0, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    work(0);
    joined_.fetch_or(kClosed, std::memory_order_acq_rel);
    while ((joined_.load(std::memory_order_acquire) & ~kClosed) != 0) _mm_pause();
  }

 private:
  void start(int threads) {
    threads_ = std::max(1, threads);
    quit_.store(false);
    // Workers start from the current generation, so a job published before a worker first runs is not missed.
    const uint32_t g0 = generation_.load(std::memory_order_acquire);
    for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t, g0] { loop(t, g0); });
  }

  void stop() {
    quit_.store(true);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    threads_ = 1;
  }

  void work(int tid) {
    const int64_t n = job_.n, grain = job_.grain;
    for (;;) {
      int64_t b = job_.next.fetch_add(grain, std::memory_order_relaxed);
      if (b >= n) break;
      (*job_.fn)(b, std::min(n, b + grain), tid);
    }
  }

  void loop(int tid, uint32_t seen) {
    omp_set_num_threads(1);  // oneDNN (OpenMP build) runs inline in whichever pool thread calls it
    for (;;) {
      auto t0 = std::chrono::steady_clock::now();
      int spins = 0;
      uint32_t g;
      while ((g = generation_.load(std::memory_order_acquire)) == seen) {
        _mm_pause();
        if (++spins % 256 == 0 &&
            std::chrono::steady_clock::now() - t0 > std::chrono::nanoseconds(kSpinNs)) {
          generation_.wait(seen, std::memory_order_acquire);
        }
      }
      seen = g;
      if (quit_.load()) return;
      uint32_t s = joined_.load(std::memory_order_acquire);
      while (!(s & kClosed)) {
        if (joined_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) {
          work(tid);
          joined_.fetch_sub(1, std::memory_order_acq_rel);
          break;
        }
      }
    }
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::atomic<uint32_t> generation_{0};
  static constexpr uint32_t kClosed = 0x80000000u;
  std::atomic<uint32_t> joined_{kClosed};  // workers inside the current job; kClosed once the caller is done
  std::atomic<bool> quit_{false};
  Job job_;
};

Pool& pool() {
  static Pool p([] {
    omp_set_num_threads(1);  // the caller's thread too: all parallelism is this pool's
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }());
  return p;
}

}  // namespace

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  pool().run(n, grain, fn);
}

int pool_threads() { return pool().threads(); }

void pool_resize(int threads) { pool().resize(threads); }

}  // namespace lapo
