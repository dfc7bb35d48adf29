// Eight float32 lanes as one value (GCC/Clang vector extensions) and e^x over them, for the
// addon's hand-written kernels. Compiled inside target_clones functions: AVX2 registers in the
// x86-64-v3 clones, two SSE registers in the default ones.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace rlhf {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
// Always inlined, so each target clone that calls them compiles them for its own instruction set.
#define RLHF_VEC inline __attribute__((always_inline))

RLHF_VEC f8 load8(const float* p) {
  f8 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
RLHF_VEC void store8(float* p, f8 v) { std::memcpy(p, &v, sizeof(v)); }
RLHF_VEC f8 splat(float x) { return f8{x, x, x, x, x, x, x, x}; }

// n ≤ 8 floats as eight lanes (zeros after them), and the first n lanes stored back: loop tails.
RLHF_VEC f8 loadN(const float* p, int64_t n) {
  if (n == 8) return load8(p);
  float tmp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(tmp, p, n * sizeof(float));
  return load8(tmp);
}
RLHF_VEC void storeN(float* p, f8 v, int64_t n) {
  if (n == 8) return store8(p, v);
  float tmp[8];
  store8(tmp, v);
  std::memcpy(p, tmp, n * sizeof(float));
}

// e^x lane by lane (Cephes' expf: x = n·ln2 + r, a degree-6 polynomial for e^r, 2^n built in
// the exponent bits); within 2 ulp of std::exp, and exactly 0 below -87.3, so -inf and the
// lowest finite mask value give 0.
RLHF_VEC f8 exp8(f8 x) {
  const f8 lo = splat(-87.3f), hi = splat(88.3f), magic = splat(12582912.0f);  // 1.5·2^23: round to nearest
  f8 c = x < lo ? lo : x;
  c = c > hi ? hi : c;
  const f8 n = (c * splat(1.44269504088896341f) + magic) - magic;
  const f8 r = (c - n * splat(0.693359375f)) + n * splat(2.12194440e-4f);
  f8 p = splat(1.9875691500e-4f);
  p = p * r + splat(1.3981999507e-3f);
  p = p * r + splat(8.3334519073e-3f);
  p = p * r + splat(4.1665795894e-2f);
  p = p * r + splat(1.6666665459e-1f);
  p = p * r + splat(5.0000001201e-1f);
  p = p * r * r + r + splat(1.0f);
  const i8 bits = (__builtin_convertvector(n, i8) + 127) << 23;
  f8 scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  const f8 result = p * scale;
  return x < lo ? splat(0.0f) : result;
}

// row[j] = e^{row[j] − shift} for j < n; returns Σ_j of the new values.
RLHF_VEC float expShifted(float* row, int64_t n, float shift) {
  const f8 s = splat(shift);
  f8 acc = splat(0.0f);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const f8 e = exp8(load8(row + j) - s);
    store8(row + j, e);
    acc += e;
  }
  float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  if (j < n) {
    const f8 e = exp8(loadN(row + j, n - j) - s);
    storeN(row + j, e, n - j);
    for (int64_t t = 0; t < n - j; t++) sum += e[t];
  }
  return sum;
}

// max_j x[j] over j < n (-inf when n = 0).
RLHF_VEC float rowMax(const float* x, int64_t n) {
  f8 m = splat(kNegInf);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const f8 v = load8(x + j);
    m = v > m ? v : m;
  }
  float out = kNegInf;
  for (int l = 0; l < 8; l++) out = std::max(out, m[l]);
  for (; j < n; j++) out = std::max(out, x[j]);
  return out;
}

// Eight bfloat16 values (bit patterns) as float lanes, exactly; and float lanes stored as
// bfloat16, rounded to nearest even as ATen's bf16 kernels store their float results (a NaN
// stays a quiet NaN, as roundToBf16 in bf16.h).
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
RLHF_VEC f8 loadBf16N(const uint16_t* p, int64_t n) {
  u16x8 h = {0, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(&h, p, n * sizeof(uint16_t));
  const u32x8 bits = __builtin_convertvector(h, u32x8) << 16;
  f8 v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}
RLHF_VEC u16x8 roundBf16(f8 v) {
  u32x8 bits;
  std::memcpy(&bits, &v, sizeof(bits));
  const u32x8 rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
  const u32x8 nan = (bits >> 16) | 0x40u;
  return __builtin_convertvector((bits & 0x7fffffffu) > 0x7f800000u ? nan : rounded, u16x8);
}
RLHF_VEC void storeBf16N(uint16_t* p, f8 v, int64_t n) {
  const u16x8 h = roundBf16(v);
  std::memcpy(p, &h, n * sizeof(uint16_t));
}
// The float lanes as bfloat16 would hold them: what an intermediate bf16 tensor does to a value.
RLHF_VEC f8 throughBf16(f8 v) {
  const u32x8 bits = __builtin_convertvector(roundBf16(v), u32x8) << 16;
  f8 out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

// Σ term(j) for j < n in eight float lanes (vectorisable without reassociating a single sum).
template <typename Term>
RLHF_VEC float laneSum(int64_t n, Term term) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int l = 0; l < 8; l++) lanes[l] += term(j + l);
  }
  float total = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
  for (; j < n; j++) total += term(j);
  return total;
}

}  // namespace rlhf
