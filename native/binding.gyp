{
  # lapo's native engine: TensorFlow.js kernels on OpenBLAS (sgemm), oneDNN (convolutions, optional) and one
  # OpenMP team. Built by scripts/build-native.mjs (npm's install script) only when OpenBLAS's headers are present;
  # lapo_dnnl=1 when oneDNN 2.x headers are present too.
  "variables": {
    "lapo_arch%": "",
    "openblas_include%": "/usr/include/x86_64-linux-gnu/openblas-pthread",
    "openblas_lib%": "openblas",
    "lapo_dnnl%": 0
  },
  "targets": [
    {
      "target_name": "lapo_native",
      "sources": [
        "src/addon.cc",
        "src/pool.cc",
        "src/gemm.cc",
        "src/conv.cc",
        "src/conv_dnnl.cc",
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
      "cflags_cc": ["-std=c++20", "-O3", "-fexceptions", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fopenmp"],
      "ldflags": ["-fopenmp"],
      "conditions": [
        ["lapo_arch!=''", {"cflags_cc": ["<(lapo_arch)"]}],
        ["lapo_dnnl==1", {"defines": ["LAPO_DNNL"], "libraries": ["-ldnnl"]}]
      ],
      "libraries": ["-l<(openblas_lib)", "-lpthread"]
    }
  ]
}
