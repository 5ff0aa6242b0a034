// GEMM: OpenBLAS sgemm (single-threaded) on blocks of rows or columns handed out by our pool.
// Exported: matmul (BatchMatMul / _FusedMatMul / MatMul with every transpose combination, batch broadcasting
// by stride 0, fused bias + activation).
#include "gemm.h"

#include <cblas.h>

#include <algorithm>

#include "act.h"
#include "common.h"
#include "pool.h"

namespace lapo {

void sgemm_1t(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
              int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // empty reduction: C = beta * C
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.f ? 0.f : beta * C[i * ldc + j];
    return;
  }
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), alpha, A,
              static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

void apply_epilogue(float* C, int64_t M, int64_t N, int64_t ldc, const Epilogue& ep) {
  const float* __restrict bias = ep.bias;  // a local restrict pointer: the loops vectorise
  for (int64_t i = 0; i < M; ++i) {
    float* __restrict row = C + i * ldc;
    if (ep.bias_scalar) {
      const float b = bias[0];
      for (int64_t j = 0; j < N; ++j) row[j] += b;
    } else if (bias) {
      for (int64_t j = 0; j < N; ++j) row[j] += bias[j];
    }
    act_inplace(row, N, ep.act, ep.alpha);
  }
}

namespace {
// Below this many multiply-adds a second thread costs more (wake-up, B packed twice) than it saves.
constexpr double kParallelMacs = 1.5e5;
}  // namespace

void sgemm_mt(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
              int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
              const Epilogue* ep) {
  const int threads = pool_threads();
  const double macs = static_cast<double>(M) * N * K;
  const bool has_ep = ep && (ep->bias || ep->act != kLinear);
  if (threads <= 1 || macs < kParallelMacs || (M < 32 && N < 32)) {
    sgemm_1t(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    if (has_ep) apply_epilogue(C, M, N, ldc, *ep);
    return;
  }
  // Split the larger output dimension. Several chunks per thread (when big) lets a thread that was
  // descheduled by another process fall behind without stalling the whole product.
  const bool split_m = M >= N;
  const int64_t dim = split_m ? M : N;
  const int64_t align = split_m ? 8 : 16;
  int64_t chunks = threads;
  if (macs > 4e7) chunks = threads * 2;
  int64_t step = (dim + chunks - 1) / chunks;
  step = std::max<int64_t>(align, (step + align - 1) / align * align);
  const int64_t tasks = (dim + step - 1) / step;
  parallel_for(tasks, 1, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t * step, e = std::min(dim, b + step);
      if (split_m) {
        const float* Ab = transA ? A + b : A + b * lda;
        float* Cb = C + b * ldc;
        sgemm_1t(transA, transB, e - b, N, K, alpha, Ab, lda, B, ldb, beta, Cb, ldc);
        if (has_ep) apply_epilogue(Cb, e - b, N, ldc, *ep);
      } else {
        const float* Bb = transB ? B + b * ldb : B + b;
        float* Cb = C + b;
        sgemm_1t(transA, transB, M, e - b, K, alpha, A, lda, Bb, ldb, beta, Cb, ldc);
        if (has_ep) {
          Epilogue sub = *ep;
          if (sub.bias && !sub.bias_scalar) sub.bias += b;
          apply_epilogue(Cb, M, e - b, ldc, sub);
        }
      }
    }
  });
}

namespace {

// matmul(a, b, out, batch, M, N, K, transA, transB, aBatchStride, bBatchStride, bias|null, biasScalar, act,
//        alpha)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const float* a = f32(info, 0);
  const float* b = f32(info, 1);
  float* out = f32(info, 2);
  const int64_t batch = num(info, 3), M = num(info, 4), N = num(info, 5), K = num(info, 6);
  const bool ta = flag(info, 7), tb = flag(info, 8);
  const int64_t sa = num(info, 9), sb = num(info, 10);
  Epilogue ep;
  if (!info[11].IsNull() && !info[11].IsUndefined()) ep.bias = f32(info, 11);
  ep.bias_scalar = flag(info, 12);
  ep.act = static_cast<int>(num(info, 13));
  ep.alpha = static_cast<float>(dbl(info, 14));
  require(info, f32len(info, 2) >= static_cast<size_t>(batch * M * N), "matmul: output too small");
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  const double macs = static_cast<double>(M) * N * K;
  if (batch > 1 && macs < 2e6) {
    // Many small products: one product per task.
    parallel_for(batch, std::max<int64_t>(1, static_cast<int64_t>(2e5 / std::max(1.0, macs))),
                 [&](int64_t i0, int64_t i1, int) {
                   for (int64_t i = i0; i < i1; ++i) {
                     float* C = out + i * M * N;
                     sgemm_1t(ta, tb, M, N, K, 1.f, a + i * sa, lda, b + i * sb, ldb, 0.f, C, N);
                     if (ep.bias || ep.act != kLinear) apply_epilogue(C, M, N, N, ep);
                   }
                 });
  } else {
    for (int64_t i = 0; i < batch; ++i)
      sgemm_mt(ta, tb, M, N, K, 1.f, a + i * sa, lda, b + i * sb, ldb, 0.f, out + i * M * N, N, &ep);
  }
  return info.Env().Undefined();
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, MatMul, "matmul"));
}

}  // namespace lapo
