// lapo_native: the N-API module. OpenBLAS is pinned to one thread at load: every parallel loop, gemm blocks
// included, runs on our own pool (pool.h says why).
#include <cblas.h>

#include <thread>

#include "common.h"
#include "conv.h"
#include "pool.h"

extern "C" {
char* openblas_get_corename(void);
char* openblas_get_config(void);
}

namespace lapo {

Napi::Object Init(Napi::Env env, Napi::Object exports);

namespace {

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = static_cast<int>(num(info, 0));
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  pool_resize(n);
  return Napi::Number::New(info.Env(), pool_threads());
}

// setConvEngine(useOneDnn): false forces im2col + OpenBLAS (tests run both paths).
Napi::Value SetConvEngine(const Napi::CallbackInfo& info) {
  set_conv_engine(flag(info, 0));
  return Napi::Boolean::New(info.Env(), conv_uses_dnnl());
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("threads", pool_threads());
  o.Set("hardwareThreads", static_cast<double>(std::thread::hardware_concurrency()));
  o.Set("blasCore", openblas_get_corename());
  o.Set("blasConfig", openblas_get_config());
  o.Set("dnnl", dnnl_available());
  o.Set("convEngine", conv_uses_dnnl() ? "oneDNN" : "im2col+OpenBLAS");
  return o;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  openblas_set_num_threads(1);
  pool_threads();  // starts the pool (and pins OpenMP teams, i.e. oneDNN, to one thread per caller)
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setConvEngine", Napi::Function::New(env, SetConvEngine, "setConvEngine"));
  register_gemm(env, exports);
  register_conv(env, exports);
  register_elementwise(env, exports);
  register_reduce(env, exports);
  register_layout(env, exports);
  register_optim(env, exports);
  return exports;
}

}  // namespace lapo

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return lapo::Init(env, exports); }

NODE_API_MODULE(lapo_native, InitModule)
