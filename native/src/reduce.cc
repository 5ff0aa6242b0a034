// Reductions over one contiguous group of axes: x viewed as [outer, red, inner], y = reduce over `red`.
// That covers tfjs Sum/Mean/Max/Min/Prod over leading axes (bias gradients: inner = channels), trailing axes
// (row sums) and middle axes without the transpose the cpu backend does first. Sums accumulate in double, so
// summing a million activations for a bias gradient is as exact as the cpu backend's JavaScript numbers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "common.h"
#include "pool.h"

namespace lapo {
namespace {

enum Reduce : int { rSum = 0, rMean, rMax, rMin, rProd };

double row_reduce(const float* x, int64_t n, int64_t stride, int op) {
  if (op == rSum || op == rMean) {
    if (stride == 1) {
      // 8 float lanes per block of 256, blocks added in double: vectorised and accurate.
      double total = 0;
      for (int64_t b = 0; b < n; b += 256) {
        const int64_t e = std::min(n, b + 256);
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t i = b;
        for (; i + 8 <= e; i += 8)
          for (int k = 0; k < 8; ++k) acc[k] += x[i + k];
        double s = 0;
        for (int k = 0; k < 8; ++k) s += acc[k];
        for (; i < e; ++i) s += x[i];
        total += s;
      }
      return total;
    }
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += x[i * stride];
    return s;
  }
  if (op == rProd) {
    double p = 1;
    for (int64_t i = 0; i < n; ++i) p *= x[i * stride];
    return p;
  }
  float m = x[0];
  for (int64_t i = 1; i < n; ++i) {
    const float v = x[i * stride];
    if (v != v) return v;  // NaN wins, as in tfjs-cpu
    if (op == rMax ? v > m : v < m) m = v;
  }
  return m;
}

// reduce(op, x, y, outer, red, inner)
Napi::Value ReduceOp(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(num(info, 0));
  const float* x = f32(info, 1);
  float* y = f32(info, 2);
  const int64_t outer = num(info, 3), red = num(info, 4), inner = num(info, 5);
  require(info, red > 0, "reduce: empty reduction");
  const double scale = op == rMean ? 1.0 / static_cast<double>(red) : 1.0;
  const bool additive = op == rSum || op == rMean;
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, (1 << 15) / red), [&](int64_t o0, int64_t o1, int) {
      for (int64_t o = o0; o < o1; ++o) y[o] = static_cast<float>(row_reduce(x + o * red, red, 1, op) * scale);
    });
    return info.Env().Undefined();
  }
  if (additive && red >= 16 && outer * inner <= (1 << 16)) {
    // Column sums over many rows (bias gradients): slabs of rows summed in double, reading memory in order (a
    // strided walk per output column would miss the cache on every row). One partial per slab, and slabs fixed
    // by the shape alone, added in slab order: the result does not depend on the thread count or on which
    // thread ran which slab (runs are reproducible and resumable bit for bit).
    const int64_t slabs = std::min<int64_t>(16, (red + 255) / 256);
    const int64_t slab = (red + slabs - 1) / slabs;
    std::vector<double> partial(static_cast<size_t>(slabs) * outer * inner, 0.0);
    parallel_for(outer * slabs, 1, [&](int64_t t0, int64_t t1, int) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t o = t / slabs, s = t - o * slabs;
        const int64_t r0 = s * slab, r1 = std::min(red, r0 + slab);
        double* __restrict acc = partial.data() + (static_cast<size_t>(s) * outer + o) * inner;
        for (int64_t r = r0; r < r1; ++r) {
          const float* __restrict row = x + (o * red + r) * inner;
          for (int64_t i = 0; i < inner; ++i) acc[i] += row[i];
        }
      }
    });
    for (int64_t k = 0; k < outer * inner; ++k) {
      double s = 0;
      for (int64_t t = 0; t < slabs; ++t) s += partial[static_cast<size_t>(t) * outer * inner + k];
      y[k] = static_cast<float>(s * scale);
    }
    return info.Env().Undefined();
  }
  if (additive) {
    // Large outputs: each task owns whole rows `o` and sums their columns in order.
    parallel_for(outer, 1, [&](int64_t o0, int64_t o1, int) {
      std::vector<double> acc(inner);
      for (int64_t o = o0; o < o1; ++o) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t r = 0; r < red; ++r) {
          const float* __restrict row = x + (o * red + r) * inner;
          for (int64_t i = 0; i < inner; ++i) acc[i] += row[i];
        }
        for (int64_t i = 0; i < inner; ++i) y[o * inner + i] = static_cast<float>(acc[i] * scale);
      }
    });
    return info.Env().Undefined();
  }
  parallel_for(outer * inner, std::max<int64_t>(1, (1 << 14) / red), [&](int64_t k0, int64_t k1, int) {
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t o = k / inner, i = k - o * inner;
      y[k] = static_cast<float>(row_reduce(x + o * red * inner + i, red, inner, op) * scale);
    }
  });
  return info.Env().Undefined();
}

// sumSquares(x) -> number (double): squared L2 norm, for gradient-norm diagnostics without a tensor op chain.
// Fixed chunks added in order: the same value whatever the thread count.
Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  const int64_t n = static_cast<int64_t>(f32len(info, 0));
  constexpr int64_t kChunk = 1 << 15;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(static_cast<size_t>(std::max<int64_t>(1, chunks)), 0.0);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1, int) {
    for (int64_t c = c0; c < c1; ++c) {
      double s = 0;
      for (int64_t i = c * kChunk, e = std::min(n, (c + 1) * kChunk); i < e; ++i) s += static_cast<double>(x[i]) * x[i];
      partial[c] = s;
    }
  });
  double s = 0;
  for (double p : partial) s += p;
  return Napi::Number::New(info.Env(), s);
}

}  // namespace

void register_reduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, ReduceOp, "reduce"));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares, "sumSquares"));
}

}  // namespace lapo
