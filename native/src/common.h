// Argument helpers shared by the exported functions. Every exported function takes typed arrays (the cpu
// backend's own tensor storage, possibly views with a byte offset) and plain numbers; it writes into output
// arrays the JavaScript side allocated, so no tensor data is ever copied across the boundary.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lapo {

inline float* f32(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Float32Array>().Data();
}

inline size_t f32len(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Float32Array>().ElementLength();
}

inline int32_t* i32(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Int32Array>().Data();
}

inline int64_t num(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int64Value();
}

inline double dbl(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().DoubleValue();
}

inline bool flag(const Napi::CallbackInfo& info, size_t i) {
  return info[i].ToBoolean().Value();
}

// Small integer arrays (shapes, permutations) arrive as Int32Array.
inline std::vector<int64_t> ints(const Napi::CallbackInfo& info, size_t i) {
  auto a = info[i].As<Napi::Int32Array>();
  std::vector<int64_t> v(a.ElementLength());
  for (size_t k = 0; k < v.size(); ++k) v[k] = a[k];
  return v;
}

inline void require(const Napi::CallbackInfo& info, bool ok, const char* what) {
  if (!ok) throw Napi::Error::New(info.Env(), std::string("lapo native: ") + what);
}

// Activation codes shared with src/backend/native-kernels (keep in sync).
enum Act : int { kLinear = 0, kRelu = 1, kElu = 2, kRelu6 = 3, kSigmoid = 4, kLeakyRelu = 5 };

void register_gemm(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_elementwise(Napi::Env env, Napi::Object exports);
void register_reduce(Napi::Env env, Napi::Object exports);
void register_layout(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);

}  // namespace lapo
