// x·Wᵀ + b under autocast without keeping a cast copy of the weight for backward.
#pragma once

#include <ATen/ATen.h>

namespace rlhf {

// Whether autocastLinear takes this product: autocast on for the weight's device, a float32
// weight (and bias) that autocast would cast, x in float32 or the autocast dtype, and a gradient
// to record. Everything else keeps at::linear (and, without gradients, autocast's cast cache,
// which serves decoding steps well).
bool autocastLinearApplies(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b);

// at::linear as autocast runs it (x, W and b cast to the autocast dtype, the product in it), with
// the same values and gradients, but backward keeps the float32 weight it already has instead of
// the cast copy and casts it again: libtorch's autocast keeps every layer's cast weight (in its
// cache, then for backward) from the forward to the backward pass, 0.92 GiB at 0.5B in bf16.
at::Tensor autocastLinear(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b);

// The addon's linear (F.linear, and the gated MLP's down projection when not fused): autocastLinear
// where it applies, else linearForward (the skinny kernel of decoding steps, else at::linear).
at::Tensor dispatchLinear(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b);

}  // namespace rlhf
