#include "blas.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

namespace rlhf {

namespace {

// Fortran sgemm: column-major, every argument by pointer.
using Sgemm = void (*)(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc);

// Looked up from libtorch_cpu's handle, so the search covers the libraries it was linked with
// (Debian: libblas.so.3 = OpenBLAS) as well as a BLAS linked into it (PyTorch's MKL).
Sgemm findSgemm() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&at::get_num_threads), &info) == 0 || info.dli_fname == nullptr) return nullptr;
  void* torch = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  if (torch == nullptr) return nullptr;
  void* fn = dlsym(torch, "sgemm_");
  dlclose(torch);  // only drops the reference RTLD_NOLOAD added
  return reinterpret_cast<Sgemm>(fn);
}

Sgemm sgemm() {
  static const Sgemm fn = findSgemm();
  return fn;
}

}  // namespace

bool hasBlas() { return sgemm() != nullptr; }

void gemmRowMajor(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  // Row-major X is column-major Xᵀ with the same leading dimension, so Cᵀ = op(B)ᵀ · op(A)ᵀ is
  // one column-major call with the operands swapped and their transpose flags unchanged.
  const char ta = transA ? 'T' : 'N', tb = transB ? 'T' : 'N';
  const int M = static_cast<int>(n), N = static_cast<int>(m), K = static_cast<int>(k);
  const int la = static_cast<int>(ldb), lb = static_cast<int>(lda), lc = static_cast<int>(ldc);
  sgemm()(&tb, &ta, &M, &N, &K, &alpha, B, &la, A, &lb, &beta, C, &lc);
}

}  // namespace rlhf
