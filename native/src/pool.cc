// The addon's parallel loops on OpenMP (libgomp, which ships with the compiler). Why OpenMP: oneDNN, when lapo
// is built with it, runs its convolutions on an OpenMP team; putting our own loops (gemm blocks, im2col,
// elementwise passes) on the same team means one set of worker threads for everything. Two pools on a 2-core
// machine would spin against each other between kernels. OpenBLAS stays single-threaded inside our tasks, as in
// PyTorch's tuned setup (OPENBLAS_NUM_THREADS=1 under its own pool).
// Chunks are handed out with one atomic counter, so a thread that starts late takes fewer of them.
#include "pool.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace lapo {
namespace {

int g_threads = 0;

int threads_now() {
  if (g_threads <= 0) g_threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return g_threads;
}

}  // namespace

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const int64_t chunks = (n + grain - 1) / grain;
  const int nt = static_cast<int>(std::min<int64_t>(threads_now(), chunks));
  if (nt <= 1 || omp_in_parallel()) {
    fn(0, n, 0);
    return;
  }
  std::atomic<int64_t> next{0};
#pragma omp parallel num_threads(nt)
  {
    const int tid = omp_get_thread_num();
    for (;;) {
      const int64_t b = next.fetch_add(grain, std::memory_order_relaxed);
      if (b >= n) break;
      fn(b, std::min(n, b + grain), tid);
    }
  }
}

int pool_threads() { return threads_now(); }

void pool_resize(int threads) {
  g_threads = std::max(1, threads);
  omp_set_num_threads(g_threads);  // oneDNN's primitives read the team size from here
}

}  // namespace lapo
