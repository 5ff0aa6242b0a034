// One thread pool for every kernel of the addon (gemm blocks, im2col, elementwise loops).
// Why our own pool instead of OpenBLAS's threads or OpenMP: OpenBLAS's pthread workers busy-wait for a long
// time after each call and would compete with a second pool on a 2-core machine; with a single pool, OpenBLAS
// runs single-threaded inside our tasks (as PyTorch runs it: OPENBLAS_NUM_THREADS=1 under its own pool) and
// nothing spins against anything else. Workers spin briefly after a job (kernels come back-to-back during a
// training step), then sleep on a futex so an idle trainer costs nothing.
#pragma once
#include <cstdint>
#include <functional>

namespace lapo {

// Runs fn(begin, end, thread_index) over [0, n) in chunks of `grain`, on all pool threads (the caller is
// thread 0). Never call it from inside a task: tasks run serially within one thread.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn);

// Number of threads (callers size per-thread scratch buffers with it).
int pool_threads();

// Resizes the pool (1 = everything on the caller's thread). Not thread-safe against running jobs.
void pool_resize(int threads);

}  // namespace lapo
