// 2-D convolution, NHWC (tfjs's layout), filter [kh, kw, Ci, Co]. With oneDNN (conv_dnnl.cc) when the addon
// was built with it and conv_engine() allows it; otherwise, and for geometries oneDNN rejects, as im2col + sgemm
// on blocks of output pixels sized to stay in L2: each pool task gathers its block of patches into a per-thread buffer and
// multiplies it at once, so the patch matrix never travels through main memory.
//   forward:         y[r, :]  = col[r, :] · W                        (W viewed as [K = kh·kw·Ci, Co])
//   backprop input:  dcol     = dy · Wᵀ, scattered back onto dx      (tasks own whole samples: no races)
//   backprop filter: dW       = Σ_blocks colᵀ · dy                   (partial sums per fixed group of blocks)
#include <algorithm>
#include <cstring>
#include <vector>

#include "common.h"
#include "conv.h"
#include "gemm.h"
#include "pool.h"

namespace lapo {

namespace {
bool g_use_dnnl = true;
}  // namespace

// 1: oneDNN when built with it (default), 0: im2col + OpenBLAS always (tests cover both; the bench compares).
void set_conv_engine(bool dnnl) { g_use_dnnl = dnnl; }
bool conv_uses_dnnl() { return g_use_dnnl && dnnl_available(); }

namespace {

ConvDims dims_from(const Napi::CallbackInfo& info, size_t i) {
  ConvDims d;
  int64_t* f[] = {&d.B, &d.H, &d.W, &d.Ci, &d.Ho, &d.Wo, &d.Co, &d.kh, &d.kw, &d.sh, &d.sw, &d.dh, &d.dw, &d.pt, &d.pl};
  for (auto* p : f) *p = num(info, i++);
  return d;
}

inline void copy_floats(float* dst, const float* src, int64_t n) {
  for (int64_t k = 0; k < n; ++k) dst[k] = src[k];
}

inline void zero_floats(float* dst, int64_t n) {
  for (int64_t k = 0; k < n; ++k) dst[k] = 0.f;
}

// Gathers the patches of output pixels [r0, r1) into col ([r1 - r0, K], row-major).
void im2col(const float* x, float* col, int64_t r0, int64_t r1, const ConvDims& d) {
  const int64_t K = d.K(), hw = d.Ho * d.Wo, run = d.kw * d.Ci;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / hw, rem = r - b * hw, oh = rem / d.Wo, ow = rem - oh * d.Wo;
    const float* xb = x + b * d.H * d.W * d.Ci;
    float* dst = col + (r - r0) * K;
    const int64_t iw0 = ow * d.sw - d.pl;
    const bool row_inside = d.dw == 1 && iw0 >= 0 && iw0 + d.kw <= d.W;
    for (int64_t i = 0; i < d.kh; ++i, dst += run) {
      const int64_t ih = oh * d.sh - d.pt + i * d.dh;
      if (ih < 0 || ih >= d.H) {
        zero_floats(dst, run);
        continue;
      }
      const float* xr = xb + ih * d.W * d.Ci;
      if (row_inside) {
        copy_floats(dst, xr + iw0 * d.Ci, run);
        continue;
      }
      for (int64_t j = 0; j < d.kw; ++j) {
        const int64_t iw = iw0 + j * d.dw;
        if (iw < 0 || iw >= d.W) zero_floats(dst + j * d.Ci, d.Ci);
        else copy_floats(dst + j * d.Ci, xr + iw * d.Ci, d.Ci);
      }
    }
  }
}

// Adds col rows (patches of output pixels [r0, r1), all within one sample) back onto that sample's dx.
void col2im_add(const float* col, float* dxb, int64_t r0, int64_t r1, const ConvDims& d) {
  const int64_t K = d.K(), hw = d.Ho * d.Wo;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t rem = r % hw, oh = rem / d.Wo, ow = rem - oh * d.Wo;
    const float* src = col + (r - r0) * K;
    for (int64_t i = 0; i < d.kh; ++i) {
      const int64_t ih = oh * d.sh - d.pt + i * d.dh;
      if (ih < 0 || ih >= d.H) continue;
      for (int64_t j = 0; j < d.kw; ++j) {
        const int64_t iw = ow * d.sw - d.pl + j * d.dw;
        if (iw < 0 || iw >= d.W) continue;
        float* o = dxb + (ih * d.W + iw) * d.Ci;
        const float* s = src + (i * d.kw + j) * d.Ci;
        for (int64_t c = 0; c < d.Ci; ++c) o[c] += s[c];
      }
    }
  }
}

// Rows per block: the patch block stays within ~256 KB (L2 holds it together with the gemm's packing).
int64_t block_rows(int64_t K, int64_t lo, int64_t hi) {
  return std::clamp<int64_t>((64 * 1024) / std::max<int64_t>(1, K), lo, hi);
}

float* scratch(int tid, size_t n) {
  thread_local std::vector<float> buf;
  (void)tid;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// conv2d(x, w, y, ...ConvDims(15), bias|null, act, alpha)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  const float* w = f32(info, 1);
  float* y = f32(info, 2);
  const ConvDims d = dims_from(info, 3);
  Epilogue ep;
  if (!info[18].IsNull() && !info[18].IsUndefined()) ep.bias = f32(info, 18);
  ep.act = static_cast<int>(num(info, 19));
  ep.alpha = static_cast<float>(dbl(info, 20));
  const bool has_ep = ep.bias || ep.act != kLinear;
  if (conv_uses_dnnl() && dnnl_conv_forward(x, w, ep.bias, y, d, ep.act, ep.alpha)) return info.Env().Undefined();
  const int64_t K = d.K(), M = d.M();
  if (d.pointwise()) {
    sgemm_mt(false, false, M, d.Co, K, 1.f, x, K, w, d.Co, 0.f, y, d.Co, &ep);
    return info.Env().Undefined();
  }
  const int64_t R = block_rows(K, 16, 1024);
  parallel_for((M + R - 1) / R, 1, [&](int64_t t0, int64_t t1, int tid) {
    float* col = scratch(tid, static_cast<size_t>(R * K));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r0 = t * R, r1 = std::min(M, r0 + R);
      im2col(x, col, r0, r1, d);
      float* yb = y + r0 * d.Co;
      sgemm_1t(false, false, r1 - r0, d.Co, K, 1.f, col, K, w, d.Co, 0.f, yb, d.Co);
      if (has_ep) apply_epilogue(yb, r1 - r0, d.Co, d.Co, ep);
    }
  });
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, w, dx, ...ConvDims(15))
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  const float* dy = f32(info, 0);
  const float* w = f32(info, 1);
  float* dx = f32(info, 2);
  const ConvDims d = dims_from(info, 3);
  if (conv_uses_dnnl() && dnnl_conv_backward_data(dy, w, dx, d)) return info.Env().Undefined();
  const int64_t K = d.K(), hw = d.Ho * d.Wo, in_size = d.H * d.W * d.Ci;
  if (d.pointwise()) {
    sgemm_mt(false, true, d.M(), K, d.Co, 1.f, dy, d.Co, w, d.Co, 0.f, dx, K);
    return info.Env().Undefined();
  }
  const int64_t R = std::min(hw, block_rows(K, 16, 512));
  parallel_for(d.B, 1, [&](int64_t b0, int64_t b1, int tid) {
    float* col = scratch(tid, static_cast<size_t>(R * K));
    for (int64_t b = b0; b < b1; ++b) {
      float* dxb = dx + b * in_size;
      std::memset(dxb, 0, sizeof(float) * in_size);
      for (int64_t r0 = b * hw; r0 < (b + 1) * hw; r0 += R) {
        const int64_t r1 = std::min((b + 1) * hw, r0 + R);
        sgemm_1t(false, true, r1 - r0, K, d.Co, 1.f, dy + r0 * d.Co, d.Co, w, d.Co, 0.f, col, K);
        col2im_add(col, dxb, r0, r1, d);
      }
    }
  });
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dw, ...ConvDims(15))
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  const float* dy = f32(info, 1);
  float* dw = f32(info, 2);
  const ConvDims d = dims_from(info, 3);
  if (conv_uses_dnnl() && dnnl_conv_backward_weights(x, dy, dw, d)) return info.Env().Undefined();
  const int64_t K = d.K(), M = d.M(), KC = K * d.Co;
  // Row blocks are grouped into a number of groups fixed by the shape (not by the thread count); each group
  // accumulates its blocks in order into its own partial, and the partials are added in group order, so the
  // gradient is the same bit for bit whatever thread ran what (reproducible, resumable runs).
  const int64_t R = block_rows(K, 64, 2048);
  const int64_t blocks = (M + R - 1) / R;
  const int64_t groups = std::min<int64_t>(16, blocks);
  const int64_t per = (blocks + groups - 1) / groups;
  std::vector<float> partial(static_cast<size_t>(groups) * KC, 0.f);
  parallel_for(groups, 1, [&](int64_t g0, int64_t g1, int tid) {
    float* col = d.pointwise() ? nullptr : scratch(tid, static_cast<size_t>(R * K));
    for (int64_t g = g0; g < g1; ++g) {
      float* acc = partial.data() + static_cast<size_t>(g) * KC;
      for (int64_t t = g * per; t < std::min(blocks, (g + 1) * per); ++t) {
        const int64_t r0 = t * R, r1 = std::min(M, r0 + R);
        const float* patches = x + r0 * K;
        if (!d.pointwise()) {
          im2col(x, col, r0, r1, d);
          patches = col;
        }
        sgemm_1t(true, false, K, d.Co, r1 - r0, 1.f, patches, K, dy + r0 * d.Co, d.Co, 1.f, acc, d.Co);
      }
    }
  });
  std::memset(dw, 0, sizeof(float) * KC);
  for (int64_t g = 0; g < groups; ++g) {
    const float* p = partial.data() + static_cast<size_t>(g) * KC;
    for (int64_t k = 0; k < KC; ++k) dw[k] += p[k];
  }
  return info.Env().Undefined();
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2D, "conv2d"));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput, "conv2dBackpropInput"));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter, "conv2dBackpropFilter"));
}

}  // namespace lapo
