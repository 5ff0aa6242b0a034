// Data movement: Transpose, Slice, Concat, row gather, Pad. Element size is 4 bytes (float32/int32) or 1 (bool),
// passed as `bytes`; typed arrays arrive as generic TypedArrays. Dimensions that stay adjacent are merged first,
// so most calls reduce to a 2-D blocked transpose or to contiguous memcpy runs.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common.h"
#include "pool.h"

namespace lapo {
namespace {

uint8_t* bytes_of(const Napi::CallbackInfo& info, size_t i) {
  auto t = info[i].As<Napi::TypedArray>();
  return static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
}

size_t byte_len(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::TypedArray>().ByteLength(); }

template <typename T>
void transpose2d(const T* x, T* y, int64_t batch, int64_t R, int64_t C) {
  // y[b, c, r] = x[b, r, c], in 32x32 tiles.
  constexpr int64_t T_ = 32;
  const int64_t tr = (R + T_ - 1) / T_, tc = (C + T_ - 1) / T_;
  parallel_for(batch * tr * tc, 16, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / (tr * tc), rem = t - b * tr * tc, r0 = (rem / tc) * T_, c0 = (rem % tc) * T_;
      const int64_t r1 = std::min(R, r0 + T_), c1 = std::min(C, c0 + T_);
      const T* xb = x + b * R * C;
      T* yb = y + b * R * C;
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t r = r0; r < r1; ++r) yb[c * R + r] = xb[r * C + c];
    }
  });
}

template <typename T>
void transpose_nd(const T* x, T* y, const std::vector<int64_t>& shape, const std::vector<int64_t>& perm) {
  const int rank = static_cast<int>(shape.size());
  std::vector<int64_t> xs(rank), os(rank);
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    xs[i] = s;
    s *= shape[i];
  }
  for (int i = 0; i < rank; ++i) os[i] = shape[perm[i]];
  const int64_t n = s, last = os[rank - 1], last_stride = xs[perm[rank - 1]];
  const int64_t rows = n / std::max<int64_t>(1, last);
  parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, last)), [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, off = 0;
      for (int d = rank - 2; d >= 0; --d) {
        const int64_t idx = rem % os[d];
        rem /= os[d];
        off += idx * xs[perm[d]];
      }
      T* yr = y + r * last;
      for (int64_t k = 0; k < last; ++k) yr[k] = x[off + k * last_stride];
    }
  });
}

// transpose(x, y, shape: Int32Array, perm: Int32Array, bytes)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const uint8_t* x = bytes_of(info, 0);
  uint8_t* y = bytes_of(info, 1);
  auto shape0 = ints(info, 2), perm0 = ints(info, 3);
  const int64_t bytes = num(info, 4);
  // Drop size-1 dims, then merge input dims that stay adjacent and in order in the output.
  std::vector<int64_t> keep(shape0.size(), -1);
  std::vector<int64_t> shape1;
  for (size_t i = 0; i < shape0.size(); ++i)
    if (shape0[i] != 1) {
      keep[i] = static_cast<int64_t>(shape1.size());
      shape1.push_back(shape0[i]);
    }
  std::vector<int64_t> perm1;
  for (int64_t p : perm0)
    if (keep[p] >= 0) perm1.push_back(keep[p]);
  std::vector<int64_t> shape, perm;  // merged
  std::vector<int64_t> group_of(shape1.size(), -1);
  // Groups: runs in perm1 of consecutive input dims.
  std::vector<std::pair<int64_t, int64_t>> groups;  // [first input dim, last input dim] in output order
  for (size_t i = 0; i < perm1.size(); ++i) {
    if (!groups.empty() && groups.back().second + 1 == perm1[i]) groups.back().second = perm1[i];
    else groups.push_back({perm1[i], perm1[i]});
  }
  // Input order of groups gives the merged input shape; output order gives the permutation.
  std::vector<size_t> order(groups.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return groups[a].first < groups[b].first; });
  std::vector<int64_t> in_pos(groups.size());
  for (size_t k = 0; k < order.size(); ++k) {
    int64_t sz = 1;
    for (int64_t d = groups[order[k]].first; d <= groups[order[k]].second; ++d) sz *= shape1[d];
    shape.push_back(sz);
    in_pos[order[k]] = static_cast<int64_t>(k);
  }
  for (size_t i = 0; i < groups.size(); ++i) perm.push_back(in_pos[i]);
  const size_t n = byte_len(info, 0);
  require(info, byte_len(info, 1) >= n, "transpose: output too small");
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int64_t>(i);
  if (identity) {
    std::memcpy(y, x, n);
    return info.Env().Undefined();
  }
  if (shape.size() == 2 || (shape.size() == 3 && perm[0] == 0 && perm[1] == 2 && perm[2] == 1)) {
    const int64_t batch = shape.size() == 3 ? shape[0] : 1;
    const int64_t R = shape[shape.size() - 2], C = shape[shape.size() - 1];
    if (bytes == 4) transpose2d(reinterpret_cast<const uint32_t*>(x), reinterpret_cast<uint32_t*>(y), batch, R, C);
    else transpose2d(x, y, batch, R, C);
    return info.Env().Undefined();
  }
  if (bytes == 4) transpose_nd(reinterpret_cast<const uint32_t*>(x), reinterpret_cast<uint32_t*>(y), shape, perm);
  else transpose_nd(x, y, shape, perm);
  return info.Env().Undefined();
}

// slice(x, y, shape: Int32Array, begin: Int32Array, size: Int32Array, bytes)
Napi::Value Slice(const Napi::CallbackInfo& info) {
  const uint8_t* x = bytes_of(info, 0);
  uint8_t* y = bytes_of(info, 1);
  auto shape = ints(info, 2), begin = ints(info, 3), size = ints(info, 4);
  const int64_t bytes = num(info, 5);
  const int rank = static_cast<int>(shape.size());
  // Contiguous run: trailing dims taken whole, plus the partial dim before them.
  int64_t run = bytes;
  int d = rank - 1;
  while (d >= 0 && begin[d] == 0 && size[d] == shape[d]) run *= shape[d--];
  if (d >= 0) run *= size[d];
  const int outer_rank = d;  // dims [0, d) iterate; dim d (if any) is inside the run
  std::vector<int64_t> xs(rank);
  int64_t s = bytes;
  for (int i = rank - 1; i >= 0; --i) {
    xs[i] = s;
    s *= shape[i];
  }
  int64_t base = 0;
  for (int i = 0; i < rank; ++i) base += begin[i] * xs[i];
  int64_t rows = 1;
  for (int i = 0; i < outer_rank; ++i) rows *= size[i];
  parallel_for(rows, std::max<int64_t>(1, (1 << 17) / std::max<int64_t>(1, run)), [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, off = base;
      for (int i = outer_rank - 1; i >= 0; --i) {
        const int64_t idx = rem % size[i];
        rem /= size[i];
        off += idx * xs[i];
      }
      std::memcpy(y + r * run, x + off, run);
    }
  });
  return info.Env().Undefined();
}

// concat(y, outer, bytes, x0, inner0, x1, inner1, ...): each input viewed as [outer, inner_i] (elements)
Napi::Value Concat(const Napi::CallbackInfo& info) {
  uint8_t* y = bytes_of(info, 0);
  const int64_t outer = num(info, 1), bytes = num(info, 2);
  const size_t k = (info.Length() - 3) / 2;
  std::vector<const uint8_t*> xs(k);
  std::vector<int64_t> inner(k), off(k);
  int64_t total = 0;
  for (size_t i = 0; i < k; ++i) {
    xs[i] = bytes_of(info, 3 + 2 * i);
    inner[i] = num(info, 4 + 2 * i) * bytes;
    off[i] = total;
    total += inner[i];
  }
  parallel_for(outer, std::max<int64_t>(1, (1 << 17) / std::max<int64_t>(1, total)), [&](int64_t o0, int64_t o1, int) {
    for (int64_t o = o0; o < o1; ++o)
      for (size_t i = 0; i < k; ++i) std::memcpy(y + o * total + off[i], xs[i] + o * inner[i], inner[i]);
  });
  return info.Env().Undefined();
}

// gather(x, indices: Int32Array, y, outer, axisLen, inner, bytes): y[o, j, :] = x[o, indices[j], :]
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const uint8_t* x = bytes_of(info, 0);
  auto idx_arr = info[1].As<Napi::Int32Array>();
  const int32_t* idx = idx_arr.Data();
  const int64_t nidx = idx_arr.ElementLength();
  uint8_t* y = bytes_of(info, 2);
  const int64_t outer = num(info, 3), axis_len = num(info, 4), inner = num(info, 5) * num(info, 6);
  for (int64_t j = 0; j < nidx; ++j) require(info, idx[j] >= 0 && idx[j] < axis_len, "gather: index out of range");
  parallel_for(outer * nidx, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, inner)), [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t o = r / nidx, j = r - o * nidx;
      std::memcpy(y + r * inner, x + (o * axis_len + idx[j]) * inner, inner);
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void register_layout(Napi::Env env, Napi::Object exports) {
  exports.Set("transpose", Napi::Function::New(env, Transpose, "transpose"));
  exports.Set("slice", Napi::Function::New(env, Slice, "slice"));
  exports.Set("concat", Napi::Function::New(env, Concat, "concat"));
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
}

}  // namespace lapo
