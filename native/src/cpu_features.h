// Instruction sets the hand-written AVX-512 kernels need, checked once at run time (the addon is
// built for baseline x86-64 and must load on any machine).
#pragma once

namespace rlhf {

inline bool cpuHasAvx512() {
#if defined(__x86_64__)
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return yes;
#else
  return false;
#endif
}

inline bool cpuHasAvx512Bf16() {
#if defined(__x86_64__)
  static const bool yes = cpuHasAvx512() && __builtin_cpu_supports("avx512bf16");
  return yes;
#else
  return false;
#endif
}

// Whether the decoding-step kernels (skinny_linear.cc, decode_attention.cc) may run: generation
// turns them on around its steps (setDecodeKernels), so every other forward keeps libtorch's
// kernels and their bits, whatever the grad mode.
bool decodeKernelsOn();

// Functions compiled for the AVX-512 subset above; call them only after cpuHasAvx512().
#define RLHF_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

}  // namespace rlhf
