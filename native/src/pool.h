// One team of threads for every parallel loop of the addon (gemm blocks, im2col, elementwise passes) and for
// oneDNN's convolutions: OpenMP (pool.cc says why). OpenBLAS runs single-threaded inside our tasks.
#pragma once
#include <cstdint>
#include <functional>

namespace lapo {

// Runs fn(begin, end, thread_index) over [0, n) in chunks of `grain`, on all pool threads (the caller is
// thread 0). Never call it from inside a task: tasks run serially within one thread.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn);

// Number of threads (callers size per-thread scratch buffers with it).
int pool_threads();

// Sets the team size (1 = everything on the caller's thread).
void pool_resize(int threads);

}  // namespace lapo
