// Fused scaled dot-product attention for float32 CPU tensors (forward and backward).
#pragma once

#include <torch/torch.h>

#include <c10/util/Optional.h>

namespace rlhf {

// Whether cpuAttention takes these inputs: float32 CPU q (B, H, L, d), k (B, KV, S, d),
// v (B, KV, S, dv) with unit stride in the last dim and H a multiple of KV; a float (additive)
// or bool mask that broadcasts to (B, H, L, S) and needs no gradient; no dropout; `causal`
// only with L == S; and libtorch's BLAS reachable.
bool cpuAttentionFits(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                      const c10::optional<at::Tensor>& mask, double dropout, bool causal);

// softmax(q kᵀ · scale + mask) v, query head h reading key/value head h / (H / KV). `causal`
// hides key j from query i > j and skips the hidden blocks. Differentiable in q, k and v. A
// query that may read no key at all (every score -inf) gets zeros.
at::Tensor cpuAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                        const c10::optional<at::Tensor>& mask, bool causal, double scale);

// Causal attention within each of several sequences packed into one row (no padding computed):
// q (1, H, N, d), k and v (1, KV, N, d), sequence u holding positions [starts[u], starts[u + 1])
// of the int64 vector starts = [0, ..., N]. Same kernel and conditions as cpuAttention.
at::Tensor cpuAttentionPacked(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& starts,
                              double scale);

}  // namespace rlhf
