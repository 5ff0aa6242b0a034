// Convolutions on oneDNN (Debian's libdnnl-dev, the library PyTorch runs its CPU convolutions on), used when the
// addon is built with it (LAPO_DNNL). Measured on the reference machine, one core, batch 64, the encoder's four
// layers: oneDNN's JIT kernels (brgconv/jit avx512_core) run 1.4–1.7× faster than im2col + OpenBLAS for the
// forward pass and both gradients (docs/dev/decisions/0028-native-onednn-and-openblas.md has the figures).
// Tensors stay where tfjs keeps them: source/destination are described as NHWC and the filter as hwio (tfjs's
// [kh, kw, Ci, Co]); oneDNN reads and writes them in place. Only the small filter is reordered to the blocked
// layout the kernels want (weights change every step, so it is reordered on every call).
// Threads: the batch is split into sub-batches run by our pool (pool.h says why not OpenMP), one oneDNN call per
// sub-batch, each with its own scratchpad; the filter gradient adds the sub-batches' results in a fixed order.
// Primitives are created once per geometry and cached: creation costs milliseconds, execution microseconds.
#include "conv.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "pool.h"

#ifdef LAPO_DNNL
#include <dnnl.hpp>
#if DNNL_VERSION_MAJOR != 2
#undef LAPO_DNNL  // the v3 API dropped operation descriptors; fall back to im2col
#endif
#endif

namespace lapo {

#ifdef LAPO_DNNL
namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using dims = dnnl::memory::dims;

dnnl::engine& eng() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// One stream per pool thread: a stream is not meant to be shared by threads executing concurrently.
dnnl::stream& strm() {
  thread_local dnnl::stream s(eng());
  return s;
}

struct Geometry {
  dnnl::memory::desc src, wei_user, wei_any, dst, bias;
  dims strides, dilates, pad_l, pad_r;
};

Geometry geometry(const ConvDims& d, int64_t batch, bool bias) {
  Geometry g;
  g.src = dnnl::memory::desc({batch, d.Ci, d.H, d.W}, dt::f32, tag::nhwc);
  g.dst = dnnl::memory::desc({batch, d.Co, d.Ho, d.Wo}, dt::f32, tag::nhwc);
  g.wei_user = dnnl::memory::desc({d.Co, d.Ci, d.kh, d.kw}, dt::f32, tag::hwio);
  g.wei_any = dnnl::memory::desc({d.Co, d.Ci, d.kh, d.kw}, dt::f32, tag::any);
  g.bias = bias ? dnnl::memory::desc({d.Co}, dt::f32, tag::x) : dnnl::memory::desc();
  g.strides = {d.sh, d.sw};
  g.dilates = {d.dh - 1, d.dw - 1};
  g.pad_l = {d.pt, d.pl};
  // Trailing padding that makes oneDNN's output size equal tfjs's (never negative: oneDNN floors the division).
  const int64_t pb = (d.Ho - 1) * d.sh + (d.kh - 1) * d.dh + 1 - d.H - d.pt;
  const int64_t pr = (d.Wo - 1) * d.sw + (d.kw - 1) * d.dw + 1 - d.W - d.pl;
  g.pad_r = {std::max<int64_t>(0, pb), std::max<int64_t>(0, pr)};
  return g;
}

using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, int64_t, int64_t, int, float, bool>;

Key key(int kind, const ConvDims& d, int64_t batch, int act, float alpha, bool bias) {
  return {kind, batch, d.H, d.W, d.Ci, d.Ho, d.Wo, d.Co, d.kh, d.kw, d.sh, d.sw, d.dh, d.dw, d.pt, d.pl, act, alpha, bias};
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::convolution_forward::primitive_desc forward_pd(const Geometry& g, int act, float alpha) {
  auto desc = dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                              g.src, g.wei_any, g.bias, g.dst, g.strides, g.dilates, g.pad_l, g.pad_r);
  dnnl::post_ops ops;
  switch (act) {
    case kRelu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f); break;
    case kLeakyRelu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, alpha, 0.f); break;
    case kElu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_elu, 1.f, 0.f); break;
    case kRelu6: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f); break;
    case kSigmoid: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f); break;
    default: break;
  }
  dnnl::primitive_attr attr = user_scratchpad();
  attr.set_post_ops(ops);
  return dnnl::convolution_forward::primitive_desc(desc, attr, eng());
}

// One cached convolution for one sub-batch size: the primitive, the filter layout it wants (and the reorder
// between that and tfjs's), a buffer for the reordered filter, and its scratchpad size.
struct Entry {
  dnnl::primitive prim;
  dnnl::memory::desc wei_prim;
  dnnl::memory wei;  // filter in the primitive's layout (forward, backward data)
  dnnl::reorder reorder;
  bool wei_is_user = false;
  size_t scratch_bytes = 0;
  dnnl::memory::desc scratch_md;
};

std::mutex cache_mutex;
std::map<Key, std::unique_ptr<Entry>> cache;

template <typename Make>
Entry* cached(const Key& k, Make make) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  auto it = cache.find(k);
  if (it != cache.end()) return it->second.get();
  std::unique_ptr<Entry> e;
  try {
    e = make();
  } catch (const dnnl::error&) {
    e = nullptr;  // a geometry oneDNN does not support: remembered, so it is not retried on every call
  }
  Entry* raw = e.get();
  cache.emplace(k, std::move(e));
  return raw;
}

template <typename PD>
std::unique_ptr<Entry> entry(dnnl::primitive prim, const PD& pd, const dnnl::memory::desc& user, const dnnl::memory::desc& prim_wei,
                             bool to_user) {
  auto e = std::make_unique<Entry>();
  e->prim = prim;
  e->wei_prim = prim_wei;
  e->wei_is_user = prim_wei == user;
  e->scratch_md = pd.scratchpad_desc();
  e->scratch_bytes = e->scratch_md.get_size();
  if (!e->wei_is_user) {
    e->wei = dnnl::memory(prim_wei, eng());
    dnnl::memory u(user, eng(), DNNL_MEMORY_NONE);
    e->reorder = to_user ? dnnl::reorder(e->wei, u) : dnnl::reorder(u, e->wei);
  }
  return e;
}

dnnl::memory mem(const dnnl::memory::desc& md, const void* p) { return dnnl::memory(md, eng(), const_cast<void*>(p)); }

dnnl::memory scratchpad(const Entry& e) {
  thread_local std::vector<uint8_t> buf;
  if (buf.size() < e.scratch_bytes) buf.resize(e.scratch_bytes);
  return mem(e.scratch_md, buf.data());
}

// Sub-batches: at most 8, fixed by the batch size alone (not by the thread count), so the filter gradient's
// partial sums, added in sub-batch order, are the same bit for bit on any machine and thread count. All of one
// size when the batch divides evenly, else full ones plus a remainder.
struct Split {
  int64_t size, count, rest;  // `count` sub-batches of `size`, then one of `rest` (0: none)
};

Split split(int64_t batch) {
  const int64_t want = std::min<int64_t>(batch, 8);
  for (int64_t c = want; c >= std::max<int64_t>(1, want / 2); --c)
    if (batch % c == 0) return {batch / c, c, 0};
  const int64_t size = (batch + want - 1) / want;
  return {size, batch / size, batch % size};
}

// The entries for a split, made by make(sub-batch size); null when oneDNN rejects either.
template <typename Make>
bool entries(const Split& s, Make make, Entry*& full, Entry*& rest) {
  full = make(s.size);
  rest = s.rest ? make(s.rest) : nullptr;
  return full && (!s.rest || rest);
}

}  // namespace

bool dnnl_available() { return true; }

bool dnnl_conv_forward(const float* x, const float* w, const float* bias, float* y, const ConvDims& d, int act, float alpha) {
  const Split s = split(d.B);
  Entry *full = nullptr, *rest = nullptr;
  const bool ok = entries(s, [&](int64_t b) {
    const Geometry g = geometry(d, b, bias != nullptr);
    return cached(key(0, d, b, act, alpha, bias != nullptr), [&] {
      auto pd = forward_pd(g, act, alpha);
      return entry(dnnl::convolution_forward(pd), pd, g.wei_user, pd.weights_desc(), false);
    });
  }, full, rest);
  if (!ok) return false;
  const Geometry g0 = geometry(d, 1, bias != nullptr);
  dnnl::memory wu = mem(g0.wei_user, w);
  for (Entry* e : {full, rest})
    if (e && !e->wei_is_user) e->reorder.execute(strm(), wu, e->wei);
  strm().wait();
  const int64_t in_size = d.H * d.W * d.Ci, out_size = d.Ho * d.Wo * d.Co;
  parallel_for(s.count + (s.rest ? 1 : 0), 1, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) {
      Entry* e = t < s.count ? full : rest;
      const int64_t b0 = t * s.size, nb = t < s.count ? s.size : s.rest;
      const Geometry g = geometry(d, nb, bias != nullptr);
      std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, mem(g.src, x + b0 * in_size)},
                                                    {DNNL_ARG_WEIGHTS, e->wei_is_user ? mem(g.wei_user, w) : e->wei},
                                                    {DNNL_ARG_DST, mem(g.dst, y + b0 * out_size)},
                                                    {DNNL_ARG_SCRATCHPAD, scratchpad(*e)}};
      if (bias) args[DNNL_ARG_BIAS] = mem(g.bias, bias);
      e->prim.execute(strm(), args);
      strm().wait();
    }
  });
  return true;
}

bool dnnl_conv_backward_data(const float* dy, const float* w, float* dx, const ConvDims& d) {
  const Split s = split(d.B);
  Entry *full = nullptr, *rest = nullptr;
  const bool ok = entries(s, [&](int64_t b) {
    const Geometry g = geometry(d, b, false);
    return cached(key(1, d, b, 0, 0.f, false), [&] {
      auto hint = forward_pd(g, kLinear, 0.f);
      auto desc = dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, g.src, g.wei_any, g.dst,
                                                        g.strides, g.dilates, g.pad_l, g.pad_r);
      auto pd = dnnl::convolution_backward_data::primitive_desc(desc, user_scratchpad(), eng(), hint);
      return entry(dnnl::convolution_backward_data(pd), pd, g.wei_user, pd.weights_desc(), false);
    });
  }, full, rest);
  if (!ok) return false;
  const Geometry g0 = geometry(d, 1, false);
  dnnl::memory wu = mem(g0.wei_user, w);
  for (Entry* e : {full, rest})
    if (e && !e->wei_is_user) e->reorder.execute(strm(), wu, e->wei);
  strm().wait();
  const int64_t in_size = d.H * d.W * d.Ci, out_size = d.Ho * d.Wo * d.Co;
  parallel_for(s.count + (s.rest ? 1 : 0), 1, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) {
      Entry* e = t < s.count ? full : rest;
      const int64_t b0 = t * s.size, nb = t < s.count ? s.size : s.rest;
      const Geometry g = geometry(d, nb, false);
      e->prim.execute(strm(), {{DNNL_ARG_DIFF_DST, mem(g.dst, dy + b0 * out_size)},
                               {DNNL_ARG_WEIGHTS, e->wei_is_user ? mem(g.wei_user, w) : e->wei},
                               {DNNL_ARG_DIFF_SRC, mem(g.src, dx + b0 * in_size)},
                               {DNNL_ARG_SCRATCHPAD, scratchpad(*e)}});
      strm().wait();
    }
  });
  return true;
}

bool dnnl_conv_backward_weights(const float* x, const float* dy, float* dw, const ConvDims& d) {
  const Split s = split(d.B);
  Entry *full = nullptr, *rest = nullptr;
  const bool ok = entries(s, [&](int64_t b) {
    const Geometry g = geometry(d, b, false);
    return cached(key(2, d, b, 0, 0.f, false), [&] {
      auto hint = forward_pd(g, kLinear, 0.f);
      auto desc = dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, g.src, g.wei_any, g.dst,
                                                           g.strides, g.dilates, g.pad_l, g.pad_r);
      auto pd = dnnl::convolution_backward_weights::primitive_desc(desc, user_scratchpad(), eng(), hint);
      return entry(dnnl::convolution_backward_weights(pd), pd, g.wei_user, pd.diff_weights_desc(), true);
    });
  }, full, rest);
  // Partial sums are added elementwise, which needs both sub-batch sizes to share one filter layout.
  if (!ok || (rest && rest->wei_prim != full->wei_prim)) return false;
  const size_t wbytes = full->wei_prim.get_size(), wn = wbytes / sizeof(float);
  const int64_t parts = s.count + (s.rest ? 1 : 0);
  std::vector<float> partial(static_cast<size_t>(parts) * wn);
  const int64_t in_size = d.H * d.W * d.Ci, out_size = d.Ho * d.Wo * d.Co;
  parallel_for(parts, 1, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) {
      Entry* e = t < s.count ? full : rest;
      const int64_t b0 = t * s.size, nb = t < s.count ? s.size : s.rest;
      const Geometry g = geometry(d, nb, false);
      e->prim.execute(strm(), {{DNNL_ARG_SRC, mem(g.src, x + b0 * in_size)},
                               {DNNL_ARG_DIFF_DST, mem(g.dst, dy + b0 * out_size)},
                               {DNNL_ARG_DIFF_WEIGHTS, mem(e->wei_prim, partial.data() + static_cast<size_t>(t) * wn)},
                               {DNNL_ARG_SCRATCHPAD, scratchpad(*e)}});
      strm().wait();
    }
  });
  float* total = partial.data();  // sub-batch 0, then the others added in order
  for (int64_t t = 1; t < parts; ++t) {
    const float* p = partial.data() + static_cast<size_t>(t) * wn;
    for (size_t k = 0; k < wn; ++k) total[k] += p[k];
  }
  const Geometry g0 = geometry(d, 1, false);
  if (full->wei_is_user) {
    std::memcpy(dw, total, wbytes);
  } else {
    dnnl::memory src = mem(full->wei_prim, total), dst = mem(g0.wei_user, dw);
    full->reorder.execute(strm(), src, dst);
    strm().wait();
  }
  return true;
}

#else  // built without oneDNN

bool dnnl_available() { return false; }
bool dnnl_conv_forward(const float*, const float*, const float*, float*, const ConvDims&, int, float) { return false; }
bool dnnl_conv_backward_data(const float*, const float*, float*, const ConvDims&) { return false; }
bool dnnl_conv_backward_weights(const float*, const float*, float*, const ConvDims&) { return false; }

#endif

}  // namespace lapo
