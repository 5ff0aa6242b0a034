// Convolution geometry shared by the im2col kernels (conv.cc) and the oneDNN kernels (conv_dnnl.cc).
#pragma once
#include <cstdint>

namespace lapo {

// NHWC input [B, H, W, Ci], filter [kh, kw, Ci, Co], output [B, Ho, Wo, Co]; pt/pl: padding before the first
// row/column (tfjs's padInfo.top/left); dh/dw: dilation (1 = none).
struct ConvDims {
  int64_t B, H, W, Ci, Ho, Wo, Co, kh, kw, sh, sw, dh, dw, pt, pl;
  int64_t K() const { return kh * kw * Ci; }
  int64_t M() const { return B * Ho * Wo; }
  bool pointwise() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0; }
};

// oneDNN versions of the three convolutions (conv_dnnl.cc). Each returns false, having written nothing, when
// the addon was built without oneDNN or oneDNN rejects the geometry; the caller then runs im2col + sgemm.
// act/alpha: the fused activation (Act codes of common.h) applied after the bias.
bool dnnl_available();
void set_conv_engine(bool dnnl);  // conv.cc
bool conv_uses_dnnl();
bool dnnl_conv_forward(const float* x, const float* w, const float* bias, float* y, const ConvDims& d, int act, float alpha);
bool dnnl_conv_backward_data(const float* dy, const float* w, float* dx, const ConvDims& d);
bool dnnl_conv_backward_weights(const float* x, const float* dy, float* dw, const ConvDims& d);

}  // namespace lapo
