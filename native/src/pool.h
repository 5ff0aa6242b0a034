// One thread pool for every parallel loop of the addon: gemm blocks, im2col, elementwise passes, and oneDNN
// convolutions split by batch (each oneDNN call runs inline on one pool thread; OpenMP teams are size 1).
// Why our own pool rather than OpenBLAS's threads or OpenMP's: with OpenMP, every parallel region ends in a
// barrier that waits for every thread; when other processes share the cores, a descheduled worker stalls each
// of the ~1000 kernels of a training step for a scheduler time slice (measured: a 2M-element ReLU took 17 ms
// instead of 0.3 ms at load 6 on 2 cores). Here the caller never waits for a worker that has not started: it
// takes the remaining chunks itself. OpenBLAS runs single-threaded inside our tasks, as in PyTorch's tuned
// setup (OPENBLAS_NUM_THREADS=1 under its own pool). Workers spin 0.1 ms after a job (kernels come
// back-to-back during a step), then sleep on a futex so an idle trainer costs nothing.
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
