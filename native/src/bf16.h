// bfloat16 bit patterns as uint16_t, for the hand-written kernels (c10::BFloat16's rounding).
#pragma once

#include <cstdint>
#include <cstring>

namespace rlhf {

// float -> bf16, rounding to nearest even; a NaN stays a quiet NaN.
inline uint16_t roundToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

inline float bf16ToFloat(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

}  // namespace rlhf
