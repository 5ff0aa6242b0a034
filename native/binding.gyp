{
  # lapo's native engine: TensorFlow.js kernels on OpenBLAS (sgemm) and our own thread pool.
  # Built by scripts/build-native.mjs (npm's install script) only when OpenBLAS's headers are present.
  "variables": {
    "lapo_arch%": "",
    "openblas_include%": "/usr/include/x86_64-linux-gnu/openblas-pthread",
    "openblas_lib%": "openblas"
  },
  "targets": [
    {
      "target_name": "lapo_native",
      "sources": [
        "src/addon.cc",
        "src/pool.cc",
        "src/gemm.cc",
        "src/conv.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/layout.cc",
        "src/optim.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(openblas_include)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-O2", "-O0"],
      "cflags_cc": ["-std=c++20", "-O3", "-fexceptions", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"],
      "conditions": [["lapo_arch!=''", {"cflags_cc": ["<(lapo_arch)"]}]],
      "libraries": ["-l<(openblas_lib)", "-lpthread"]
    }
  ]
}
