// Rotary position embeddings in the rotate-half layout (Llama/Qwen2): x·cos + rotate_half(x)·sin
// in one pass each way. The composed form slices, negates, concatenates, multiplies twice and
// adds, forward and backward; this reads x once, keeps only the tables for the backward pass,
// and writes its output position-major (B, T, H, d) so attention reads it without a copy.
// Float32 CPU tensors take it; anything else is composed from ATen ops.
#include <ATen/Parallel.h>

#include "core.h"

namespace rlhf {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Strides (elements) of x (B, H, T, d) and of the tables (B|1, T, d); every last dim is contiguous.
struct RotaryLayout {
  int64_t B, H, T, d;
  int64_t xb, xh, xt;
  int64_t cb, ct;  // cos and sin share a layout (checked)
};

// out = x·cos + rotate_half(x)·sin with rotate_half(x) = (−x[half:], x[:half]) for positions
// [begin, end) of B·T. The backward pass is the same rotation with other tables (see backward).
__attribute__((target_clones("arch=x86-64-v3", "default"))) void rotateRows(const RotaryLayout& o, const float* x,
                                                                             const float* cos, const float* sin,
                                                                             float* out, int64_t begin, int64_t end) {
  const int64_t half = o.d / 2;
  for (int64_t p = begin; p < end; p++) {
    const int64_t b = p / o.T, t = p % o.T;
    const float* c = cos + b * o.cb + t * o.ct;
    const float* s = sin + b * o.cb + t * o.ct;
    for (int64_t h = 0; h < o.H; h++) {
      const float* xr = x + b * o.xb + h * o.xh + t * o.xt;
      float* yr = out + (p * o.H + h) * o.d;
      for (int64_t j = 0; j < half; j++) {
        yr[j] = xr[j] * c[j] - xr[j + half] * s[j];
        yr[j + half] = xr[j + half] * c[j + half] + xr[j] * s[j + half];
      }
    }
  }
}

RotaryLayout layoutOf(const at::Tensor& x, const at::Tensor& table) {
  RotaryLayout o{x.size(0), x.size(1), x.size(2), x.size(3), x.stride(0), x.stride(1), x.stride(2), 0, table.stride(1)};
  o.cb = table.size(0) == 1 ? 0 : table.stride(0);
  return o;
}

bool fusable(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  auto f32 = [](const at::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.numel() > 0; };
  if (!f32(x) || !f32(cos) || !f32(sin) || x.dim() != 4 || cos.dim() != 3 || cos.sizes() != sin.sizes()) return false;
  if (cos.requires_grad() || sin.requires_grad() || cos.strides() != sin.strides()) return false;
  const int64_t B = x.size(0), T = x.size(2), d = x.size(3);
  if (d % 2 != 0 || (cos.size(0) != B && cos.size(0) != 1) || cos.size(1) != T || cos.size(2) != d) return false;
  return x.stride(3) == 1 && cos.stride(2) == 1;
}

struct FusedRotary : public torch::autograd::Function<FusedRotary> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const RotaryLayout o = layoutOf(x, cos);
    at::Tensor out = at::empty({o.B, o.T, o.H, o.d}, x.options());
    const float *xp = x.data_ptr<float>(), *cp = cos.data_ptr<float>(), *sp = sin.data_ptr<float>();
    float* op = out.data_ptr<float>();
    at::parallel_for(0, o.B * o.T, 64, [&](int64_t b, int64_t e) { rotateRows(o, xp, cp, sp, op, b, e); });
    ctx->save_for_backward({cos, sin});
    return out.transpose(1, 2);  // (B, H, T, d), a view
  }

  // dx = dy·cos + rotate_halfᵀ(dy·sin): dx[j] = dy[j]c[j] + dy[j+half]s[j+half] and
  // dx[j+half] = dy[j+half]c[j+half] − dy[j]s[j], which is the forward rotation with the sin
  // table's halves swapped and negated.
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor cos = saved[0].contiguous();
    const int64_t half = cos.size(2) / 2;
    const at::Tensor sinT = at::cat({saved[1].narrow(2, half, half), saved[1].narrow(2, 0, half)}, 2).neg_();
    at::Tensor dy = grads[0].stride(3) == 1 ? grads[0] : grads[0].contiguous();
    const RotaryLayout o = layoutOf(dy, cos);
    at::Tensor dx = at::empty({o.B, o.T, o.H, o.d}, dy.options());
    const float *gp = dy.data_ptr<float>(), *cp = cos.data_ptr<float>(), *sp = sinT.data_ptr<float>();
    float* dp = dx.data_ptr<float>();
    at::parallel_for(0, o.B * o.T, 64, [&](int64_t b, int64_t e) { rotateRows(o, gp, cp, sp, dp, b, e); });
    return {dx.transpose(1, 2), at::Tensor(), at::Tensor()};
  }
};

at::Tensor rotaryComposed(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  int64_t half = x.size(-1) / 2;
  at::Tensor rotated = at::cat({x.narrow(-1, half, x.size(-1) - half).neg(), x.narrow(-1, 0, half)}, -1);
  return x * cos.unsqueeze(1) + rotated * sin.unsqueeze(1);
}

}  // namespace

// applyRotary(x (B, H, T, d), cos (B, T, d), sin (B, T, d)) = x·cos + rotate_half(x)·sin.
RLHF_OP(applyRotary) {
  const at::Tensor& x = a.tensor(0);
  const at::Tensor& cos = a.tensor(1);
  const at::Tensor& sin = a.tensor(2);
  if (fusable(x, cos, sin)) return wrap(a.env(), FusedRotary::apply(x, cos, sin));
  return wrap(a.env(), rotaryComposed(x, cos, sin));
}

static const OpDef ops[] = {RLHF_DEF(applyRotary)};
RLHF_REGISTER(registerRotary, ops)

}  // namespace rlhf
