// A decoding step's attention: one query per row and head against S cached keys. The work is
// tiny (B·H·S·d multiply-adds) but libtorch's CPU kernels pay for generality here: at batch 32
// of the 0.5B model its flash kernel takes 0.5 ms per layer in float32 and 2.3 ms in bfloat16,
// a quarter of a bf16 decoding step over 24 layers. This one reads each (row, key/value head)'s
// cache once per query head that shares it, in float32 whatever the storage dtype.
#include "decode_attention.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <immintrin.h>

// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_ps(), which -Wuninitialized
// (and -Wmaybe-uninitialized) report at every use; the values are always fully written.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <cstring>
#include <limits>
#include <vector>

#include "bf16.h"
#include "cpu_features.h"
#include "vec8.h"

namespace rlhf {

namespace {

constexpr int64_t kMaxHeadDim = 256;
constexpr int64_t kKeepChunks = kMaxHeadDim / 16;  // 16-lane vectors of one head

// 16 elements at p (the first n when n < 16) as float32 lanes, zeros after them.
RLHF_AVX512 inline __m512 load16(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
RLHF_AVX512 inline __m512 load16(const uint16_t* p, __mmask16 m) {
  // bf16 -> float32 is the bf16 bits in the upper half of a float.
  const __m256i h = _mm256_maskz_loadu_epi16(m, p);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

// The lanes of 16-element chunk c of a head of d elements that lie inside it.
inline __mmask16 chunkMask(int64_t d, int64_t c) {
  return static_cast<__mmask16>(d - c * 16 >= 16 ? 0xffff : (1u << (d - c * 16)) - 1);
}

RLHF_AVX512 inline float hsum(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

inline void storeOut(float* p, float v) { *p = v; }
inline void storeOut(uint16_t* p, float v) { *p = roundToBf16(v); }

struct Layout {
  int64_t B, H, KV, S, d;
  // Element strides (batch, head, position) of q, k, v, out, and of the float mask (0 = broadcast).
  int64_t qb, qh, kb, kh, ks, vb, vh, vs, ob, oh, mb, mh, ms;
};

// Query (b, h): scores over S keys, softmax, the weighted sum of values, stored in out.
template <typename T>
RLHF_AVX512 void attendOne(const Layout& o, const T* q, const T* k, const T* v, const float* mask, T* out, int64_t b,
                           int64_t h, float scale, std::vector<float>& scores) {
  const int64_t chunks = (o.d + 15) / 16;
  const int64_t kvh = h / (o.H / o.KV);
  __m512 qv[kKeepChunks];
  for (int64_t c = 0; c < chunks; ++c) {
    qv[c] = _mm512_mul_ps(load16(q + b * o.qb + h * o.qh + c * 16, chunkMask(o.d, c)), _mm512_set1_ps(scale));
  }
  const T* kRow = k + b * o.kb + kvh * o.kh;
  const float* mRow = mask != nullptr ? mask + b * o.mb + h * o.mh : nullptr;
  float best = kNegInf;
  for (int64_t j = 0; j < o.S; ++j) {
    __m512 acc = _mm512_setzero_ps();
    for (int64_t c = 0; c < chunks; ++c) {
      acc = _mm512_fmadd_ps(qv[c], load16(kRow + j * o.ks + c * 16, chunkMask(o.d, c)), acc);
    }
    const float s = hsum(acc) + (mRow != nullptr ? mRow[j * o.ms] : 0.0f);
    scores[static_cast<size_t>(j)] = s;
    best = s > best ? s : best;
  }
  T* dst = out + b * o.ob + h * o.oh;
  if (best == kNegInf) {  // nothing to attend: zeros
    for (int64_t i = 0; i < o.d; ++i) storeOut(dst + i, 0.0f);
    return;
  }
  const float total = expShifted(scores.data(), o.S, best);
  __m512 acc[kKeepChunks];
  for (int64_t c = 0; c < chunks; ++c) acc[c] = _mm512_setzero_ps();
  const T* vRow = v + b * o.vb + kvh * o.vh;
  for (int64_t j = 0; j < o.S; ++j) {
    const __m512 p = _mm512_set1_ps(scores[static_cast<size_t>(j)]);
    for (int64_t c = 0; c < chunks; ++c) {
      acc[c] = _mm512_fmadd_ps(p, load16(vRow + j * o.vs + c * 16, chunkMask(o.d, c)), acc[c]);
    }
  }
  const __m512 inv = _mm512_set1_ps(1.0f / total);
  float lanes[16];
  for (int64_t c = 0; c < chunks; ++c) {
    _mm512_storeu_ps(lanes, _mm512_mul_ps(acc[c], inv));
    for (int64_t i = 0; i < 16 && c * 16 + i < o.d; ++i) storeOut(dst + c * 16 + i, lanes[i]);
  }
}

template <typename T>
void attendAll(const Layout& o, const T* q, const T* k, const T* v, const float* mask, T* out, float scale) {
  at::parallel_for(0, o.B * o.H, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(static_cast<size_t>(o.S));
    for (int64_t i = begin; i < end; ++i) attendOne<T>(o, q, k, v, mask, out, i / o.H, i % o.H, scale, scores);
  });
}

}  // namespace

bool decodeAttentionFits(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const c10::optional<at::Tensor>& mask) {
  if (!decodeKernelsOn() || !cpuHasAvx512() || q.dim() != 4 || k.dim() != 4 || v.dim() != 4) return false;
  const at::ScalarType dtype = q.scalar_type();
  if ((dtype != at::kFloat && dtype != at::kBFloat16) || k.scalar_type() != dtype || v.scalar_type() != dtype) return false;
  if (!q.device().is_cpu() || !k.device().is_cpu() || !v.device().is_cpu()) return false;
  const int64_t B = q.size(0), H = q.size(1), d = q.size(3), KV = k.size(1), S = k.size(2);
  if (q.size(2) != 1 || d < 1 || d > kMaxHeadDim || S < 1 || KV < 1 || H % KV != 0) return false;
  if (k.size(0) != B || v.size(0) != B || v.size(1) != KV || v.size(2) != S || k.size(3) != d || v.size(3) != d) return false;
  if (q.stride(3) != 1 || k.stride(3) != 1 || v.stride(3) != 1) return false;
  if (at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad())) return false;
  if (mask) {
    const at::Tensor& m = *mask;
    if (!m.device().is_cpu() || m.dim() > 4 || (at::GradMode::is_enabled() && m.requires_grad())) return false;
    if (m.scalar_type() != at::kBool && !at::isFloatingType(m.scalar_type())) return false;
    const int64_t want[4] = {B, H, 1, S};
    for (int64_t i = 0; i < m.dim(); ++i) {
      const int64_t size = m.size(m.dim() - 1 - i), target = want[3 - i];
      if (size != 1 && size != target) return false;
    }
  }
  return true;
}

at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const c10::optional<at::Tensor>& mask, double scale) {
  const int64_t B = q.size(0), H = q.size(1), d = q.size(3), KV = k.size(1), S = k.size(2);
  at::Tensor out = at::empty({B, H, 1, d}, q.options());
  // The mask as float32 additive scores, broadcast by strides (0 where it repeats).
  at::Tensor additive;
  if (mask) {
    const at::Tensor& m = *mask;
    additive = m.scalar_type() == at::kBool
                   ? at::where(m, at::zeros({}, m.options().dtype(at::kFloat)),
                               at::full({}, -std::numeric_limits<float>::infinity(), m.options().dtype(at::kFloat)))
                   : m.to(at::kFloat);
    additive = additive.expand({B, H, 1, S});
  }
  Layout o{B, H, KV, S, d,
           q.stride(0), q.stride(1), k.stride(0), k.stride(1), k.stride(2), v.stride(0), v.stride(1), v.stride(2),
           out.stride(0), out.stride(1),
           additive.defined() ? additive.stride(0) : 0, additive.defined() ? additive.stride(1) : 0,
           additive.defined() ? additive.stride(3) : 0};
  const float* mp = additive.defined() ? additive.data_ptr<float>() : nullptr;
  const float s = static_cast<float>(scale);
  if (q.scalar_type() == at::kFloat) {
    attendAll<float>(o, q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(), mp, out.data_ptr<float>(), s);
  } else {
    auto bf = [](const at::Tensor& t) { return reinterpret_cast<uint16_t*>(t.data_ptr<at::BFloat16>()); };
    attendAll<uint16_t>(o, bf(q), bf(k), bf(v), mp, bf(out), s);
  }
  return out;
}

}  // namespace rlhf
