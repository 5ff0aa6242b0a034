// lapo's own WebAssembly SIMD kernels for the tfjs wasm backend (built by scripts/build-wasm.mjs; the .wasm is
// committed so that `npm ci` needs no compiler). The module imports tfjs-backend-wasm's own linear memory, so
// every pointer below is a byte offset of a tensor in that heap: no copies in or out.
//
// Why these kernels exist (docs/dev/decisions/0032-wasm-simd-kernels.md has the figures):
//  - XNNPACK, which tfjs-wasm uses for every matmul and conv, packs its "weights" operand when it creates an
//    operator (single-threaded, ~6–9 ns per element) and caches the packed copy by tensor id. In training every
//    weight changes every step, and the conv filter gradient's "weights" are as big as dy, so packing costs more
//    than the arithmetic. These kernels read their operands in place (4×8 register tile, broadcast loads).
//  - Adam as tf ops is 12 kernels per parameter through tfjs's engine; here it is one pass.
//
// Rules that keep the module safe inside somebody else's heap: no static data, no stack (every local is a wasm
// local: the build checks that the module has no data segment and never moves __stack_pointer), no malloc
// (scratch space comes from the caller, allocated by tfjs).
// Floating point: each operation rounds to float32 and nothing is contracted (wasm SIMD128 has no FMA), so Adam is
// bit-identical to the tf-op chain of src/nn/adam.ts.
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name))) __attribute__((used))

typedef float f32;

// ---------------------------------------------------------------------------------------------------------------
// GEMM: C[M,N] (row stride ldc) = (acc ? C : 0) + Σ_k A(i,k)·B(k,j)
//   A(i,k) = A[i·sai + k·sak]   (row-major A: sai = lda, sak = 1; transposed A: sai = 1, sak = lda)
//   B is read as P = ⌊N/8⌋ panels of 8 columns plus a tail of r = N mod 8 columns:
//   B(k, 8p+c) = B[p·sbp + k·ldb + c],  B(k, 8P+c) = Bt[k·ldt + c]
//   row-major B [K,N]: sbp = 8, ldb = N, Bt = B + 8P, ldt = N;
//   packed B (pack_b): sbp = 8K, ldb = 8, Bt = B + 8KP, ldt = r — each panel one contiguous stream, which wide
//   matrices need (a row-major strip of a 3936-column B touches a new 4 KiB page on every k).
// Register tile 4 rows × 8 columns (8 accumulators, broadcast loads of A); K is cut into blocks of KC so that the
// B strip a tile streams stays in L1 while every row tile of the block reuses it.

#define KC 256

static inline v128_t splat_at(const f32* p) { return wasm_v128_load32_splat(p); }

static void tile4x8(int K, const f32* A, int sai, int sak, const f32* B, int ldb, f32* C, int ldc, int acc) {
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
  if (acc) {
    c00 = wasm_v128_load(C), c01 = wasm_v128_load(C + 4);
    c10 = wasm_v128_load(C + ldc), c11 = wasm_v128_load(C + ldc + 4);
    c20 = wasm_v128_load(C + 2 * ldc), c21 = wasm_v128_load(C + 2 * ldc + 4);
    c30 = wasm_v128_load(C + 3 * ldc), c31 = wasm_v128_load(C + 3 * ldc + 4);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
  }
  const f32* a0 = A;
  const f32* a1 = A + sai;
  const f32* a2 = A + 2 * sai;
  const f32* a3 = A + 3 * sai;
  for (int k = 0; k < K; k++) {
    const v128_t b0 = wasm_v128_load(B), b1 = wasm_v128_load(B + 4);
    B += ldb;
    v128_t a = splat_at(a0);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a, b0)), c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a, b1));
    a = splat_at(a1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a, b0)), c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a, b1));
    a = splat_at(a2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a, b0)), c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a, b1));
    a = splat_at(a3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a, b0)), c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a, b1));
    a0 += sak, a1 += sak, a2 += sak, a3 += sak;
  }
  wasm_v128_store(C, c00), wasm_v128_store(C + 4, c01);
  wasm_v128_store(C + ldc, c10), wasm_v128_store(C + ldc + 4, c11);
  wasm_v128_store(C + 2 * ldc, c20), wasm_v128_store(C + 2 * ldc + 4, c21);
  wasm_v128_store(C + 3 * ldc, c30), wasm_v128_store(C + 3 * ldc + 4, c31);
}

// One row × 8 columns (row remainder of a panel).
static void tile1x8(int K, const f32* A, int sak, const f32* B, int ldb, f32* C, int acc) {
  v128_t c0 = acc ? wasm_v128_load(C) : wasm_f32x4_splat(0.0f);
  v128_t c1 = acc ? wasm_v128_load(C + 4) : wasm_f32x4_splat(0.0f);
  for (int k = 0; k < K; k++) {
    const v128_t a = splat_at(A);
    c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(a, wasm_v128_load(B)));
    c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(a, wasm_v128_load(B + 4)));
    A += sak, B += ldb;
  }
  wasm_v128_store(C, c0), wasm_v128_store(C + 4, c1);
}

// One row × 4 columns (tail).
static void tile1x4(int K, const f32* A, int sak, const f32* B, int ldb, f32* C, int acc) {
  v128_t c0 = acc ? wasm_v128_load(C) : wasm_f32x4_splat(0.0f);
  for (int k = 0; k < K; k++) {
    c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(splat_at(A), wasm_v128_load(B)));
    A += sak, B += ldb;
  }
  wasm_v128_store(C, c0);
}

// One row × one column (tail).
static void tile1x1(int K, const f32* A, int sak, const f32* B, int ldb, f32* C, int acc) {
  f32 c = acc ? *C : 0.0f;
  for (int k = 0; k < K; k++) {
    c += *A * *B;
    A += sak, B += ldb;
  }
  *C = c;
}

// Rows [i0, i1), panels [p0, p1) (and the tail when tail != 0) of the product: the whole product, or a worker's
// share of it.
EXPORT(gemm)
void gemm(int N, int K, const f32* A, int sai, int sak, const f32* B, int ldb, int sbp, const f32* Bt, int ldt, f32* C,
          int ldc, int acc, int i0, int i1, int p0, int p1, int tail) {
  const int P = N / 8, r = N - 8 * P;
  if (K == 0) {
    if (!acc)
      for (int i = i0; i < i1; i++) {
        for (int j = 8 * p0; j < 8 * p1; j++) C[i * ldc + j] = 0.0f;
        if (tail)
          for (int j = 8 * P; j < N; j++) C[i * ldc + j] = 0.0f;
      }
    return;
  }
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = K - k0 < KC ? K - k0 : KC;
    const int ac = acc || k0 > 0;
    const f32* Ak = A + k0 * sak;
    for (int p = p0; p < p1; p++) {
      const f32* Bp = B + p * sbp + k0 * ldb;
      f32* Cp = C + 8 * p;
      int i = i0;
      for (; i + 4 <= i1; i += 4) tile4x8(kc, Ak + i * sai, sai, sak, Bp, ldb, Cp + i * ldc, ldc, ac);
      for (; i < i1; i++) tile1x8(kc, Ak + i * sai, sak, Bp, ldb, Cp + i * ldc, ac);
    }
    if (tail && r) {
      const f32* Bk = Bt + k0 * ldt;
      f32* Ct = C + 8 * P;
      int c = 0;
      if (r >= 4) {
        for (int i = i0; i < i1; i++) tile1x4(kc, Ak + i * sai, sak, Bk, ldt, Ct + i * ldc, ac);
        c = 4;
      }
      for (; c < r; c++)
        for (int i = i0; i < i1; i++) tile1x1(kc, Ak + i * sai, sak, Bk + c, ldt, Ct + i * ldc + c, ac);
    }
  }
}

// Packs B(k,j) = B[k·sbk + j·sbj] (row-major: sbk = N, sbj = 1; stored transposed [N,K]: sbk = 1, sbj = K) into
// the panel layout gemm reads with sbp = 8K, ldb = 8 (panels [p0, p1), and the tail when tail != 0).
EXPORT(pack_b)
void pack_b(const f32* B, int sbk, int sbj, int K, int N, f32* out, int p0, int p1, int tail) {
  const int P = N / 8, r = N - 8 * P;
  for (int p = p0; p < p1; p++) {
    f32* d = out + p * 8 * K;
    const f32* s = B + 8 * p * sbj;
    if (sbj == 1) {
      for (int k = 0; k < K; k++) {
        wasm_v128_store(d + 8 * k, wasm_v128_load(s + k * sbk));
        wasm_v128_store(d + 8 * k + 4, wasm_v128_load(s + k * sbk + 4));
      }
    } else {
      for (int k = 0; k < K; k++)
        for (int c = 0; c < 8; c++) d[8 * k + c] = s[k * sbk + c * sbj];
    }
  }
  if (tail && r) {
    f32* d = out + P * 8 * K;
    const f32* s = B + 8 * P * sbj;
    for (int k = 0; k < K; k++)
      for (int c = 0; c < r; c++) d[r * k + c] = s[k * sbk + c * sbj];
  }
}

// y[i, j] = max(0, y[i, j] + bias[j]) or y[i, j] + bias[j] (bias may be 0: activation only), rows [i0, i1).
EXPORT(bias_act)
void bias_act(f32* y, const f32* bias, int N, int relu, int i0, int i1) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int i = i0; i < i1; i++) {
    f32* r = y + i * N;
    int j = 0;
    for (; j + 4 <= N; j += 4) {
      v128_t v = wasm_v128_load(r + j);
      if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias + j));
      if (relu) v = wasm_f32x4_max(v, zero);
      wasm_v128_store(r + j, v);
    }
    for (; j < N; j++) {
      f32 v = r[j];
      if (bias) v += bias[j];
      if (relu && v < 0.0f) v = 0.0f;  // NaN stays NaN, as f32x4.max above
      r[j] = v;
    }
  }
}

// pack_b, then gemm, on panels [p0, p1) (and the tail if `tail`): a worker packs exactly the panels it multiplies.
EXPORT(pack_gemm)
void pack_gemm(int N, int K, const f32* A, int sai, int sak, const f32* B, int sbk, int sbj, f32* Bp, f32* C, int ldc,
               int i0, int i1, int p0, int p1, int tail) {
  const int P = N / 8;
  pack_b(B, sbk, sbj, K, N, Bp, p0, p1, tail);
  gemm(N, K, A, sai, sak, Bp, 8, 8 * K, Bp + 8 * K * P, N - 8 * P, C, ldc, 0, i0, i1, p0, p1, tail);
}

// ---------------------------------------------------------------------------------------------------------------
// Conv2D filter gradient (NHWC x [N,H,W,Ci], dy [N,Ho,Wo,Co], filter HWIO [KH,KW,Ci,Co]):
//   dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, ci] · dy[n,oh,ow,co]
// Output positions m = (n,oh,ow) are taken `chunk` at a time: their patches are copied into `col`
// [chunk, KH·KW·Ci] (zeros where the patch leaves the image), and dW [KH·KW·Ci, Co] += colᵀ · dy[chunk rows]
// (the GEMM above with a transposed A). Output positions [m0, m1) only: a worker's share of the sum, into its own dW.

static void im2col_rows(const f32* x, f32* col, int m0, int rows, int H, int W, int Ci, int Ho, int Wo, int KH, int KW,
                        int sh, int sw, int pt, int pl, int dh, int dw) {
  const int Kp = KH * KW * Ci;
  for (int r = 0; r < rows; r++) {
    const int m = m0 + r;
    const int ow = m % Wo, t = m / Wo;
    const int oh = t % Ho, n = t / Ho;
    f32* dst = col + r * Kp;
    for (int kh = 0; kh < KH; kh++) {
      const int ih = oh * sh - pt + kh * dh;
      for (int kw = 0; kw < KW; kw++) {
        const int iw = ow * sw - pl + kw * dw;
        f32* d = dst + (kh * KW + kw) * Ci;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
          for (int c = 0; c < Ci; c++) d[c] = 0.0f;
        } else {
          const f32* s = x + ((n * H + ih) * W + iw) * Ci;
          for (int c = 0; c < Ci; c++) d[c] = s[c];
        }
      }
    }
  }
}

EXPORT(conv_filter_grad)
void conv_filter_grad(const f32* x, const f32* dy, f32* dw, f32* col, int N, int H, int W, int Ci, int Ho, int Wo,
                      int Co, int KH, int KW, int sh, int sw, int pt, int pl, int dh, int dwl, int chunk, int m0,
                      int m1) {
  (void)N;
  const int Kp = KH * KW * Ci, P = Co / 8;
  for (int m = m0; m < m1; m += chunk) {
    const int rows = m1 - m < chunk ? m1 - m : chunk;
    im2col_rows(x, col, m, rows, H, W, Ci, Ho, Wo, KH, KW, sh, sw, pt, pl, dh, dwl);
    gemm(Co, rows, col, 1, Kp, dy + m * Co, Co, 8, dy + m * Co + 8 * P, Co, dw, Co, m > m0, 0, Kp, 0, P, 1);
  }
  if (m1 <= m0) gemm(Co, 0, col, 1, Kp, dy, Co, 8, dy, Co, dw, Co, 0, 0, Kp, 0, P, 1);
}

// y[i] += x[i] (partial sums of the threads' shares).
EXPORT(add_to)
void add_to(f32* y, const f32* x, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_v128_load(x + i)));
  for (; i < n; i++) y[i] += x[i];
}

// dst[i] = src[i] / div for uint8 pixels (the images of a batch: x/255). A division, not a multiplication by
// 1/div, to give the same float32 as JavaScript's `x / 255` stored into a Float32Array (a test checks all 256).
EXPORT(u8_to_f32)
void u8_to_f32(const uint8_t* src, f32* dst, int n, f32 div) {
  const v128_t d = wasm_f32x4_splat(div);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t b = wasm_v128_load(src + i);
    const v128_t lo = wasm_u16x8_extend_low_u8x16(b), hi = wasm_u16x8_extend_high_u8x16(b);
    wasm_v128_store(dst + i, wasm_f32x4_div(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_low_u16x8(lo)), d));
    wasm_v128_store(dst + i + 4, wasm_f32x4_div(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_high_u16x8(lo)), d));
    wasm_v128_store(dst + i + 8, wasm_f32x4_div(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_low_u16x8(hi)), d));
    wasm_v128_store(dst + i + 12, wasm_f32x4_div(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_high_u16x8(hi)), d));
  }
  for (; i < n; i++) dst[i] = (f32)src[i] / div;
}

// ---------------------------------------------------------------------------------------------------------------
// Adam (torch.optim.Adam, the operation order of src/nn/adam.ts), elements [i0, i1), into fresh outputs:
//   m' = m·β1 + g·(1−β1);  v' = v·β2 + (g·g)·(1−β2);  p' = p − (m' / (√v' / bc2 + ε)) · step

EXPORT(adam)
void adam(const f32* p, const f32* g, const f32* m, const f32* v, f32* po, f32* mo, f32* vo, f32 b1, f32 omb1, f32 b2,
          f32 omb2, f32 bc2, f32 eps, f32 step, int i0, int i1) {
  const v128_t B1 = wasm_f32x4_splat(b1), OMB1 = wasm_f32x4_splat(omb1), B2 = wasm_f32x4_splat(b2),
               OMB2 = wasm_f32x4_splat(omb2), BC2 = wasm_f32x4_splat(bc2), EPS = wasm_f32x4_splat(eps),
               STEP = wasm_f32x4_splat(step);
  int i = i0;
  for (; i + 4 <= i1; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gi, OMB1));
    const v128_t vi =
        wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), B2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), OMB2));
    const v128_t den = wasm_f32x4_add(wasm_f32x4_div(wasm_f32x4_sqrt(vi), BC2), EPS);
    wasm_v128_store(mo + i, mi);
    wasm_v128_store(vo + i, vi);
    wasm_v128_store(po + i, wasm_f32x4_sub(wasm_v128_load(p + i), wasm_f32x4_mul(wasm_f32x4_div(mi, den), STEP)));
  }
  for (; i < i1; i++) {
    const f32 gi = g[i];
    const f32 mi = m[i] * b1 + gi * omb1;
    const f32 vi = v[i] * b2 + (gi * gi) * omb2;
    mo[i] = mi;
    vo[i] = vi;
    po[i] = p[i] - (mi / (__builtin_sqrtf(vi) / bc2 + eps)) * step;
  }
}
