// Optimizer updates in place on the variables' own storage (one pass instead of ~12 tfjs ops and their
// temporaries per variable). The JavaScript side (src/backend/native.ts) only calls these on storage the
// variable owns alone, so no other tensor can observe the change.
#include <cmath>
#include <cstdint>

#include "common.h"
#include "pool.h"

namespace lapo {
namespace {

// adam(param, grad, m, v, beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc2Sqrt, eps, stepSize)
// torch.optim.Adam (non-amsgrad, weight_decay 0), in the operation order of src/nn/adam.ts, each operation
// rounded to float32 like the tfjs ops it replaces (the addon is built with -ffp-contract=off, so no fused
// multiply-adds): results are bit-identical to the tf-op version on the cpu backend.
//   m = m·β1 + g·(1−β1);  v = v·β2 + (g·g)·(1−β2);  p = p − (m / (√v / √bc2 + ε)) · lr/bc1
// The coefficients arrive as the float32 constants the tf-op version uses (computed in double, then rounded).
Napi::Value Adam(const Napi::CallbackInfo& info) {
  float* p = f32(info, 0);
  const float* g = f32(info, 1);
  float* m = f32(info, 2);
  float* v = f32(info, 3);
  const int64_t n = static_cast<int64_t>(f32len(info, 0));
  require(info, f32len(info, 1) == static_cast<size_t>(n) && f32len(info, 2) == static_cast<size_t>(n) &&
                    f32len(info, 3) == static_cast<size_t>(n),
          "adam: length mismatch");
  const float b1 = static_cast<float>(dbl(info, 4)), omb1 = static_cast<float>(dbl(info, 5));
  const float b2 = static_cast<float>(dbl(info, 6)), omb2 = static_cast<float>(dbl(info, 7));
  const float bc2_sqrt = static_cast<float>(dbl(info, 8)), eps = static_cast<float>(dbl(info, 9));
  const float step = static_cast<float>(dbl(info, 10));
  // Captured by value and copied to locals: see elementwise.cc map1 (aliasing blocks vectorisation).
  parallel_for(n, 1 << 14, [=](int64_t s, int64_t e, int) {
    float* __restrict P = p;
    float* __restrict M = m;
    float* __restrict V = v;
    const float* __restrict G = g;
    const float B1 = b1, OMB1 = omb1, B2 = b2, OMB2 = omb2, BC2 = bc2_sqrt, EPS = eps, STEP = step;
    for (int64_t i = s; i < e; ++i) {
      const float gi = G[i];
      const float mi = M[i] * B1 + gi * OMB1;
      const float vi = V[i] * B2 + (gi * gi) * OMB2;
      M[i] = mi;
      V[i] = vi;
      P[i] = P[i] - (mi / (std::sqrt(vi) / BC2 + EPS)) * STEP;
    }
  });
  return info.Env().Undefined();
}

// polyak(target, source, tau, oneMinusTau): target = source·tau + target·(1−tau) (the official soft update,
// operation order of src/algo/lapo-step.ts softUpdate).
Napi::Value Polyak(const Napi::CallbackInfo& info) {
  float* t = f32(info, 0);
  const float* s = f32(info, 1);
  const int64_t n = static_cast<int64_t>(f32len(info, 0));
  require(info, f32len(info, 1) == static_cast<size_t>(n), "polyak: length mismatch");
  const float tau = static_cast<float>(dbl(info, 2)), omt = static_cast<float>(dbl(info, 3));
  parallel_for(n, 1 << 15, [=](int64_t b, int64_t e, int) {
    float* __restrict T = t;
    const float* __restrict S = s;
    const float TAU = tau, OMT = omt;
    for (int64_t i = b; i < e; ++i) T[i] = S[i] * TAU + T[i] * OMT;
  });
  return info.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("adam", Napi::Function::New(env, Adam, "adam"));
  exports.Set("polyak", Napi::Function::New(env, Polyak, "polyak"));
}

}  // namespace lapo
