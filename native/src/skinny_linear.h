// y = x·Wᵀ + b for the few rows of a decoding step, where libtorch's general GEMMs leave most of
// the memory bandwidth (and, at 8-32 rows, of the FMA units) unused.
#pragma once

#include <ATen/ATen.h>

namespace rlhf {

// at::linear, through the skinny kernel when it applies (inside generation's decoding scope, see
// decodeKernelsOn; CPU, float32 or bfloat16, at most 32 rows, no gradient, AVX-512), else
// at::linear itself.
at::Tensor linearForward(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b);

}  // namespace rlhf
