// The BLAS that libtorch itself calls (OpenBLAS on Debian, MKL inside PyTorch's builds), reached
// directly so a kernel can multiply many small blocks without a dispatcher round trip each.
#pragma once

#include <cstdint>

namespace rlhf {

// Whether libtorch's BLAS exports sgemm_ (every CPU build we know does; checked once).
bool hasBlas();

// C = alpha · op(A) · op(B) + beta · C in row-major storage: op(A) is m×k, op(B) is k×n, and
// lda/ldb/ldc are row strides. Called from several threads at once, each on its own C.
void gemmRowMajor(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace rlhf
