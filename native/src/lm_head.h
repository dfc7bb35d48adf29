// The LM head chunk by chunk, shared by the fused head ops (lm_loss.cc: cross entropy;
// lm_token_stats.cc: log-probs and entropy): one chunk's logits (rows, vocab) at a time, the
// matmuls in the autocast dtype where autocast is on, the rest in float32.
#pragma once

#include <algorithm>

#include "core.h"

namespace rlhf::lmhead {

// The dtype the head's matmuls run in: the autocast dtype where autocast is on for the device.
inline at::ScalarType matmulDtype(const at::Tensor& hidden) {
  at::DeviceType d = hidden.device().type();
  if ((d == at::kCPU || d == at::kCUDA) && autocastEnabled(d)) return autocastDtypeOf(d);
  return hidden.scalar_type();
}

struct Head {
  at::Tensor hidden;  // (N, H) in the matmul dtype
  at::Tensor weight;  // (V, H) in the matmul dtype
  at::Tensor labels;  // (N) int64
  int64_t ignoreIndex;
  double smoothing;
  int64_t chunkRows;
};

// Losses, log-sum-exps and the summed weight gradient: float32, or float64 for float64 inputs.
inline at::ScalarType accumulateDtype(const Head& h) { return at::promote_types(h.hidden.scalar_type(), at::kFloat); }

// A chunk's logits in the accumulate dtype (rows, V).
inline at::Tensor chunkLogits(const Head& h, int64_t start, int64_t rows) {
  return at::mm(h.hidden.narrow(0, start, rows), h.weight.t()).to(accumulateDtype(h)).contiguous();
}

// dHidden rows and the weight gradient's share of one chunk (dWeight summed over chunks in float32;
// the first chunk writes it, so it needs no zero fill: see weightGradBuffer).
inline void accumulateGrads(const Head& h, const at::Tensor& g, int64_t start, int64_t rows, at::Tensor& dHidden,
                            at::Tensor& dWeight) {
  if (dHidden.defined()) {
    at::Tensor out = dHidden.narrow(0, start, rows);
    at::mm_out(out, g, h.weight);
  }
  if (!dWeight.defined()) return;
  const at::Tensor hc = h.hidden.narrow(0, start, rows);
  if (g.scalar_type() != dWeight.scalar_type()) {
    at::Tensor share = at::mm(g.t(), hc);
    if (start == 0) dWeight.copy_(share); else dWeight.add_(share);
  } else if (start == 0) {
    at::mm_out(dWeight, g.t(), hc);
  } else {
    dWeight.addmm_(g.t(), hc);
  }
}

// The weight gradient's buffer: uninitialised, as the first chunk overwrites it (zeros without tokens).
inline at::Tensor weightGradBuffer(const Head& h, const at::Tensor& weight, int64_t tokens) {
  at::TensorOptions options = weight.options().dtype(accumulateDtype(h));
  return tokens > 0 ? at::empty(weight.sizes(), options) : at::zeros(weight.sizes(), options);
}

}  // namespace rlhf::lmhead
