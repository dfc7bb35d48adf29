// Decoding-step linear layers. A decoding step multiplies 1-32 rows by every weight matrix once:
// at batch 1 it can go no faster than the weights stream from memory, at 32 rows it is a small
// GEMM. libtorch's GEMMs (MKL for float32, oneDNN for bfloat16) are built for large products and,
// measured on an AVX-512 CPU with two threads, reach 40-45% of the memory bandwidth at one row and
// 25-60% of the FMA throughput at 8-32 rows. Here each thread takes a range of output features and,
// for a few weight rows at a time (kept in L1/L2), walks every row of x, so the weights are read
// from memory exactly once; bfloat16 weights use the CPU's bf16 dot product (vdpbf16ps) with
// float32 accumulation and round the result to nearest even, as oneDNN does.
#include "skinny_linear.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_ps(), which -Wuninitialized
// (and -Wmaybe-uninitialized) report at every use; the values are always fully written.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <cstring>

#include "core.h"
#include "bf16.h"
#include "cpu_features.h"

namespace rlhf {

namespace {

// Beyond 32 rows the weights are reused enough that the general GEMMs catch up.
constexpr int64_t kSkinnyMaxRows = 32;
// Rows of x per tile.
constexpr int kRowsPerTile = 4;

// The lane sums of four accumulators, as four floats: two interleaving rounds of adds leave each
// 128-bit lane holding partial sums of a, b, c, d, and three more adds fold the lanes (about a
// third of the instructions of four separate reductions, which matter when K is short).
RLHF_AVX512 inline void reduce4(__m512 a, __m512 b, __m512 c, __m512 d, float* out) {
  const __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
  const __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
  const __m512 abcd = _mm512_add_ps(_mm512_shuffle_ps(ab, cd, 0x44), _mm512_shuffle_ps(ab, cd, 0xEE));
  const __m256 halves = _mm256_add_ps(_mm512_castps512_ps256(abcd), _mm512_extractf32x8_ps(abcd, 1));
  _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(halves), _mm256_extractf128_ps(halves, 1)));
}

// out[m·NR + n] = the lane sum of acc[m][n].
template <int MR, int NR>
RLHF_AVX512 inline void reduceTile(__m512 (&acc)[MR][NR], float* out) {
  if constexpr (NR % 4 == 0) {
#pragma GCC unroll 4
    for (int m = 0; m < MR; ++m)
#pragma GCC unroll 2
      for (int n = 0; n < NR; n += 4) reduce4(acc[m][n], acc[m][n + 1], acc[m][n + 2], acc[m][n + 3], out + m * NR + n);
  } else {
    const __m512 zero = _mm512_setzero_ps();
    float four[4];
#pragma GCC unroll 32
    for (int i = 0; i < MR * NR; ++i) {
      reduce4(acc[i / NR][i % NR], zero, zero, zero, four);
      out[i] = four[0];
    }
  }
}

// What the tile loop needs of an element type: its vector of one k-step (16 float32 lanes, or 32
// bf16 values multiplied pairwise into 16 float32 lanes by vdpbf16ps), loads (the K tail masked),
// the multiply-add into float32 accumulators, and scalar conversions for bias and output.
template <typename T>
struct Lanes;
template <>
struct Lanes<float> {
  static constexpr int64_t kStep = 16;
  using Vec = __m512;
  template <bool Full>
  RLHF_AVX512 static Vec load(const float* p, int64_t left) {
    if constexpr (Full) return _mm512_loadu_ps(p);
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << left) - 1), p);
  }
  RLHF_AVX512 static __m512 madd(__m512 acc, Vec x, Vec w) { return _mm512_fmadd_ps(x, w, acc); }
  static float toFloat(float v) { return v; }
  static float fromFloat(float v) { return v; }
};
template <>
struct Lanes<uint16_t> {
  static constexpr int64_t kStep = 32;
  using Vec = __m512bh;
  template <bool Full>
  RLHF_AVX512 static Vec load(const uint16_t* p, int64_t left) {
    if constexpr (Full) return (__m512bh)_mm512_loadu_si512(p);
    return (__m512bh)_mm512_maskz_loadu_epi16(static_cast<__mmask32>((1ull << left) - 1), p);
  }
  RLHF_AVX512 static __m512 madd(__m512 acc, Vec x, Vec w) { return _mm512_dpbf16_ps(acc, x, w); }
  static float toFloat(uint16_t v) { return bf16ToFloat(v); }
  static uint16_t fromFloat(float v) { return roundToBf16(v); }
};

// One k-step at column k: every weight vector loaded once and used for all MR rows of x.
template <typename T, int MR, int NR, bool Full>
RLHF_AVX512 inline __attribute__((always_inline)) void dotStep(__m512 (&acc)[MR][NR], const T* x, int64_t ldx,
                                                               const T* w, int64_t K, int64_t k) {
  using L = Lanes<T>;
  typename L::Vec wv[NR];
#pragma GCC unroll 8
  for (int n = 0; n < NR; ++n) wv[n] = L::template load<Full>(w + n * K + k, K - k);
#pragma GCC unroll 4
  for (int m = 0; m < MR; ++m) {
    const typename L::Vec xv = L::template load<Full>(x + m * ldx + k, K - k);
#pragma GCC unroll 8
    for (int n = 0; n < NR; ++n) acc[m][n] = L::madd(acc[m][n], xv, wv[n]);
  }
}

// The float32 sums of x rows [0, MR) · weight rows [0, NR) over K, into out (MR×NR).
template <typename T, int MR, int NR>
RLHF_AVX512 void dotTile(const T* x, int64_t ldx, const T* w, int64_t K, const char* next, float* out) {
  constexpr int64_t step = Lanes<T>::kStep;
  __m512 acc[MR][NR];
#pragma GCC unroll 32
  for (int i = 0; i < MR * NR; ++i) acc[i / NR][i % NR] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + step <= K; k += step) {
    // The next block of weight rows, one cache line per row per step: short rows (K of a few
    // thousand) end before the hardware prefetcher has ramped up.
    if (next != nullptr) {
#pragma GCC unroll 8
      for (int n = 0; n < NR; ++n) _mm_prefetch(next + (n * K + k) * sizeof(T), _MM_HINT_T1);
    }
    dotStep<T, MR, NR, true>(acc, x, ldx, w, K, k);
  }
  if (k < K) dotStep<T, MR, NR, false>(acc, x, ldx, w, K, k);
  reduceTile<MR, NR>(acc, out);
}

// One tile of mr ≤ 4 rows by NR weight rows, written to y with the bias added.
template <typename T, int NR>
void tile(int mr, const T* x, int64_t ldx, const T* w, int64_t K, const char* next, const T* bias, T* y, int64_t ldy) {
  float sums[kRowsPerTile * NR];
  switch (mr) {
    case 1: dotTile<T, 1, NR>(x, ldx, w, K, next, sums); break;
    case 2: dotTile<T, 2, NR>(x, ldx, w, K, next, sums); break;
    case 3: dotTile<T, 3, NR>(x, ldx, w, K, next, sums); break;
    default: dotTile<T, 4, NR>(x, ldx, w, K, next, sums); break;
  }
  for (int m = 0; m < mr; ++m)
    for (int n = 0; n < NR; ++n) {
      const float b = bias != nullptr ? Lanes<T>::toFloat(bias[n]) : 0.0f;
      y[m * ldy + n] = Lanes<T>::fromFloat(sums[m * NR + n] + b);
    }
}

// y (M×N) = x (M×K) · w (N×K)ᵀ + bias. Threads split the output features; within a block of NR
// weight rows every tile of x rows is visited before the next block, so each weight is read
// from memory once. One or two rows take eight weight rows per block (more loads in flight for
// a bandwidth-bound product), more rows four (4×4 accumulators leave registers for the loads).
template <typename T, int NR>
void skinnyBlocks(const T* x, int64_t M, const T* w, int64_t N, int64_t K, const T* bias, T* y) {
  const int64_t fullBlocks = N / NR;
  at::parallel_for(0, fullBlocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t blk = begin; blk < end; ++blk) {
      const int64_t n0 = blk * NR;
      for (int64_t m0 = 0; m0 < M; m0 += kRowsPerTile) {
        const int mr = static_cast<int>(std::min<int64_t>(kRowsPerTile, M - m0));
        // Prefetch the next block while the first tile of x rows reads this one.
        const char* next = m0 == 0 && blk + 1 < end ? reinterpret_cast<const char*>(w + (n0 + NR) * K) : nullptr;
        tile<T, NR>(mr, x + m0 * K, K, w + n0 * K, K, next, bias != nullptr ? bias + n0 : nullptr, y + m0 * N + n0, N);
      }
    }
  });
  // The last N % NR features, one weight row at a time.
  for (int64_t n0 = fullBlocks * NR; n0 < N; ++n0)
    for (int64_t m0 = 0; m0 < M; m0 += kRowsPerTile) {
      const int mr = static_cast<int>(std::min<int64_t>(kRowsPerTile, M - m0));
      tile<T, 1>(mr, x + m0 * K, K, w + n0 * K, K, nullptr, bias != nullptr ? bias + n0 : nullptr, y + m0 * N + n0, N);
    }
}

template <typename T>
void skinny(const T* x, int64_t M, const T* w, int64_t N, int64_t K, const T* bias, T* y) {
  if (M <= 2)
    skinnyBlocks<T, 8>(x, M, w, N, K, bias, y);
  else
    skinnyBlocks<T, 4>(x, M, w, N, K, bias, y);
}

bool needsGrad(const at::Tensor& t) { return t.defined() && t.requires_grad(); }

bool skinnyApplies(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  if (!decodeKernelsOn() || !x.device().is_cpu() || !w.device().is_cpu() || w.dim() != 2 || x.dim() < 1) return false;
  const at::ScalarType dtype = w.scalar_type();
  if (x.scalar_type() != dtype) return false;
  if (dtype == at::kFloat ? !cpuHasAvx512() : dtype != at::kBFloat16 || !cpuHasAvx512Bf16()) return false;
  const int64_t K = w.size(1);
  if (K == 0 || x.size(-1) != K || w.size(0) == 0 || !w.is_contiguous()) return false;
  const int64_t rows = x.numel() / K;
  if (rows < 1 || rows > kSkinnyMaxRows) return false;
  const bool hasBias = b.has_value() && b->defined();
  if (hasBias && (!b->device().is_cpu() || b->scalar_type() != dtype || b->dim() != 1 || b->size(0) != w.size(0)))
    return false;
  if (at::GradMode::is_enabled() && (needsGrad(x) || needsGrad(w) || (hasBias && needsGrad(*b)))) return false;
  // Autocast would have run the product in another dtype.
  return !autocastEnabled(at::kCPU);
}

}  // namespace

at::Tensor linearForward(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  if (!skinnyApplies(x, w, b)) return at::linear(x, w, b);
  const int64_t N = w.size(0), K = w.size(1), M = x.numel() / K;
  const at::Tensor xc = x.contiguous();
  const at::Tensor bc = b.has_value() && b->defined() ? b->contiguous() : at::Tensor();
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = N;
  at::Tensor y = at::empty(shape, w.options());
  if (w.scalar_type() == at::kFloat) {
    skinny<float>(xc.data_ptr<float>(), M, w.data_ptr<float>(), N, K, bc.defined() ? bc.data_ptr<float>() : nullptr,
                  y.data_ptr<float>());
  } else {
    auto bf = [](const at::Tensor& t) { return reinterpret_cast<const uint16_t*>(t.data_ptr<at::BFloat16>()); };
    skinny<uint16_t>(bf(xc), M, bf(w), N, K, bc.defined() ? bf(bc) : nullptr,
                     reinterpret_cast<uint16_t*>(y.data_ptr<at::BFloat16>()));
  }
  return y;
}

}  // namespace rlhf
