// Row-major single-precision GEMM on OpenBLAS, split over our pool, with an optional fused epilogue
// (bias per output column + activation) applied to each block while it is still in cache.
#pragma once
#include <cstdint>

namespace lapo {

struct Epilogue {
  const float* bias = nullptr;  // per column (length N), or nullptr
  bool bias_scalar = false;     // bias[0] added everywhere
  int act = 0;                  // Act code (common.h)
  float alpha = 0.f;            // leaky-relu slope
};

// C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, then the epilogue. Splits rows (or columns, when N
// is the larger dimension) across the pool when the product is big enough to pay for it.
void sgemm_mt(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
              int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
              const Epilogue* ep = nullptr);

// Single-threaded GEMM (for use inside pool tasks).
void sgemm_1t(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
              int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// Applies the epilogue to rows [0, M) of C (leading dimension ldc).
void apply_epilogue(float* C, int64_t M, int64_t N, int64_t ldc, const Epilogue& ep);

}  // namespace lapo
