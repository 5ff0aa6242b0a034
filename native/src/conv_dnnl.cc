// Convolutions on oneDNN (Debian's libdnnl-dev, the library PyTorch runs its CPU convolutions on), used when the
// addon is built with it (LAPO_DNNL). Measured on the reference machine, one core, batch 64, the encoder's four
// layers: oneDNN's JIT kernels (brgconv/jit avx512_core) run 1.4–1.7× faster than im2col + OpenBLAS for the
// forward pass and both gradients (.drafts/note-engine-native.md has the figures).
// Tensors stay where tfjs keeps them: source/destination are described as NHWC and the filter as hwio (tfjs's
// [kh, kw, Ci, Co]); oneDNN reads and writes them in place. Only the small filter is reordered to the blocked
// layout the kernels want (weights change every step, so it is reordered on every call).
// Primitives are created once per geometry and cached: creation costs milliseconds, execution microseconds.
#include "conv.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include "common.h"

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

dnnl::stream& strm() {
  static dnnl::stream s(eng());
  return s;
}

struct Geometry {
  dnnl::memory::desc src, wei_user, wei_any, dst, bias;
  dims strides, dilates, pad_l, pad_r;
};

Geometry geometry(const ConvDims& d, bool bias) {
  Geometry g;
  g.src = dnnl::memory::desc({d.B, d.Ci, d.H, d.W}, dt::f32, tag::nhwc);
  g.dst = dnnl::memory::desc({d.B, d.Co, d.Ho, d.Wo}, dt::f32, tag::nhwc);
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

Key key(int kind, const ConvDims& d, int act, float alpha, bool bias) {
  return {kind, d.B, d.H, d.W, d.Ci, d.Ho, d.Wo, d.Co, d.kh, d.kw, d.sh, d.sw, d.dh, d.dw, d.pt, d.pl, act, alpha, bias};
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
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return dnnl::convolution_forward::primitive_desc(desc, attr, eng());
}

// One cached convolution: the primitive, the reorder between tfjs's filter layout and the primitive's, and a
// buffer for the reordered filter.
struct Entry {
  dnnl::primitive prim;
  dnnl::memory::desc wei_user;
  dnnl::memory wei;  // in the primitive's layout
  dnnl::reorder reorder;
  bool wei_is_user = false;
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
    e = nullptr;  // geometry oneDNN does not support: remembered, so we do not retry every call
  }
  Entry* raw = e.get();
  cache.emplace(k, std::move(e));
  return raw;
}

std::unique_ptr<Entry> weights_entry(dnnl::primitive prim, const dnnl::memory::desc& user, const dnnl::memory::desc& prim_wei,
                                     bool to_user) {
  auto e = std::make_unique<Entry>();
  e->prim = prim;
  e->wei_user = user;
  e->wei_is_user = prim_wei == user;
  if (!e->wei_is_user) {
    e->wei = dnnl::memory(prim_wei, eng());
    dnnl::memory u(user, eng(), DNNL_MEMORY_NONE);
    e->reorder = to_user ? dnnl::reorder(e->wei, u) : dnnl::reorder(u, e->wei);
  }
  return e;
}

dnnl::memory mem(const dnnl::memory::desc& md, const float* p) {
  return dnnl::memory(md, eng(), const_cast<float*>(p));
}

}  // namespace

bool dnnl_available() { return true; }

bool dnnl_conv_forward(const float* x, const float* w, const float* bias, float* y, const ConvDims& d, int act, float alpha) {
  const Geometry g = geometry(d, bias != nullptr);
  Entry* e = cached(key(0, d, act, alpha, bias != nullptr), [&] {
    auto pd = forward_pd(g, act, alpha);
    return weights_entry(dnnl::convolution_forward(pd), g.wei_user, pd.weights_desc(), false);
  });
  if (!e) return false;
  dnnl::memory wu = mem(g.wei_user, w);
  if (!e->wei_is_user) e->reorder.execute(strm(), wu, e->wei);
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, mem(g.src, x)}, {DNNL_ARG_WEIGHTS, e->wei_is_user ? wu : e->wei}, {DNNL_ARG_DST, mem(g.dst, y)}};
  if (bias) args[DNNL_ARG_BIAS] = mem(g.bias, bias);
  e->prim.execute(strm(), args);
  strm().wait();
  return true;
}

bool dnnl_conv_backward_data(const float* dy, const float* w, float* dx, const ConvDims& d) {
  const Geometry g = geometry(d, false);
  Entry* e = cached(key(1, d, 0, 0.f, false), [&] {
    auto hint = forward_pd(g, kLinear, 0.f);
    auto desc = dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, g.src, g.wei_any, g.dst,
                                                      g.strides, g.dilates, g.pad_l, g.pad_r);
    auto pd = dnnl::convolution_backward_data::primitive_desc(desc, eng(), hint);
    return weights_entry(dnnl::convolution_backward_data(pd), g.wei_user, pd.weights_desc(), false);
  });
  if (!e) return false;
  dnnl::memory wu = mem(g.wei_user, w);
  if (!e->wei_is_user) e->reorder.execute(strm(), wu, e->wei);
  e->prim.execute(strm(), {{DNNL_ARG_DIFF_DST, mem(g.dst, dy)},
                           {DNNL_ARG_WEIGHTS, e->wei_is_user ? wu : e->wei},
                           {DNNL_ARG_DIFF_SRC, mem(g.src, dx)}});
  strm().wait();
  return true;
}

bool dnnl_conv_backward_weights(const float* x, const float* dy, float* dw, const ConvDims& d) {
  const Geometry g = geometry(d, false);
  Entry* e = cached(key(2, d, 0, 0.f, false), [&] {
    auto hint = forward_pd(g, kLinear, 0.f);
    auto desc = dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, g.src, g.wei_any, g.dst,
                                                         g.strides, g.dilates, g.pad_l, g.pad_r);
    auto pd = dnnl::convolution_backward_weights::primitive_desc(desc, eng(), hint);
    return weights_entry(dnnl::convolution_backward_weights(pd), g.wei_user, pd.diff_weights_desc(), true);
  });
  if (!e) return false;
  dnnl::memory wu = mem(g.wei_user, dw);
  e->prim.execute(strm(), {{DNNL_ARG_SRC, mem(g.src, x)},
                           {DNNL_ARG_DIFF_DST, mem(g.dst, dy)},
                           {DNNL_ARG_DIFF_WEIGHTS, e->wei_is_user ? wu : e->wei}});
  if (!e->wei_is_user) e->reorder.execute(strm(), e->wei, wu);
  strm().wait();
  return true;
}

#else  // built without oneDNN

bool dnnl_available() { return false; }
bool dnnl_conv_forward(const float*, const float*, const float*, float*, const ConvDims&, int, float) { return false; }
bool dnnl_conv_backward_data(const float*, const float*, float*, const ConvDims&) { return false; }
bool dnnl_conv_backward_weights(const float*, const float*, float*, const ConvDims&) { return false; }

#endif

}  // namespace lapo
