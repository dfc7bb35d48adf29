// Attention of one new token per row against a KV cache (a decoding step), float32 or bfloat16.
#pragma once

#include <ATen/ATen.h>

namespace rlhf {

// Whether decodeAttention takes these inputs: CPU q (B, H, 1, d), k and v (B, KV, S, d) of one
// dtype (float32 or bfloat16) with unit stride in d, H a multiple of KV, d ≤ 256, a mask (float
// additive or bool "may attend") that broadcasts to (B, H, 1, S), no gradient, and AVX-512.
bool decodeAttentionFits(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const c10::optional<at::Tensor>& mask);

// softmax(q kᵀ · scale + mask) v with query head h reading key/value head h / (H / KV), in
// float32 whatever the inputs' dtype; a row that may read no key gets zeros (as cpuAttention).
at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const c10::optional<at::Tensor>& mask, double scale);

}  // namespace rlhf
