// Activations as tfjs defines them (fused_util.applyActivation), in loops the compiler vectorises.
#pragma once
#include <cmath>
#include <cstdint>

#include "common.h"

namespace lapo {

inline void act_inplace(float* x, int64_t n, int act, float alpha) {
  switch (act) {
    case kRelu:
      // `x < 0 ? 0 : x` keeps NaN (as Math.max(0, NaN) does in the cpu backend): non-finite checks rely on it.
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] < 0.f ? 0.f : x[i];
      break;
    case kRelu6:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] < 0.f ? 0.f : (x[i] > 6.f ? 6.f : x[i]);
      break;
    case kElu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= 0.f ? x[i] : std::expm1(x[i]);
      break;
    case kSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = 1.f / (1.f + std::exp(-x[i]));
      break;
    case kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] < 0.f ? alpha * x[i] : x[i];
      break;
    default:
      break;
  }
}

}  // namespace lapo
