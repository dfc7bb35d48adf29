// silu(gate) · up, the activation of the gated MLP (SwiGLU), in one pass each way: the
// composed ops read and write the (tokens, intermediate) activations about a dozen times over
// forward and backward, and keep silu(gate) alive as well; this keeps only gate and up.
// Float32 contiguous CPU tensors of one shape take it; so do bfloat16 ones on their way to a
// gradient (autocast's projections), with the composed bf16 ops' roundings; anything else is
// composed from ATen ops.
#include <ATen/Parallel.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

#include <algorithm>

#include "core.h"
#include "autocast_linear.h"
#include "vec8.h"

namespace rlhf {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kGrain = 1 << 14;

// y = g / (1 + e^-g) · u: silu as PyTorch's CPU kernel writes it, then the product. (Plain
// loops, no lambdas: a lambda's body would not be compiled for the clone's instruction set.)
__attribute__((target_clones("arch=x86-64-v3", "default"))) void siluMulRange(const float* g, const float* u, float* y,
                                                                               int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i += 8) {
    const int64_t n = std::min<int64_t>(8, end - i);
    const f8 gv = loadN(g + i, n);
    storeN(y + i, gv / (splat(1.0f) + exp8(-gv)) * loadN(u + i, n), n);
  }
}

// dg = dy · u · σ(g)(1 + g(1 − σ(g))) (PyTorch's silu_backward) and du = dy · silu(g).
__attribute__((target_clones("arch=x86-64-v3", "default"))) void siluMulBackwardRange(const float* g, const float* u,
                                                                                       const float* dy, float* dg,
                                                                                       float* du, int64_t begin,
                                                                                       int64_t end) {
  for (int64_t i = begin; i < end; i += 8) {
    const int64_t n = std::min<int64_t>(8, end - i);
    const f8 gv = loadN(g + i, n), dyv = loadN(dy + i, n);
    const f8 sig = splat(1.0f) / (splat(1.0f) + exp8(-gv));
    storeN(dg + i, dyv * loadN(u + i, n) * (sig * (splat(1.0f) + gv * (splat(1.0f) - sig))), n);
    storeN(du + i, dyv * (gv * sig), n);
  }
}

// The bf16 forms keep the roundings of the composed ops on bf16 tensors, where each result is
// stored in bf16: s = bf16(silu(g)), y = bf16(s · u); backward ds = bf16(dy · u), du = bf16(dy · s)
// and dg = bf16(ds · σ(g)(1 + g(1 − σ(g)))) (PyTorch's silu_backward in float, then rounded).
__attribute__((target_clones("arch=x86-64-v3", "default"))) void siluMulRangeBf16(const uint16_t* g, const uint16_t* u,
                                                                                   uint16_t* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i += 8) {
    const int64_t n = std::min<int64_t>(8, end - i);
    const f8 gv = loadBf16N(g + i, n);
    storeBf16N(y + i, throughBf16(gv / (splat(1.0f) + exp8(-gv))) * loadBf16N(u + i, n), n);
  }
}

__attribute__((target_clones("arch=x86-64-v3", "default"))) void siluMulBackwardRangeBf16(
    const uint16_t* g, const uint16_t* u, const uint16_t* dy, uint16_t* dg, uint16_t* du, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i += 8) {
    const int64_t n = std::min<int64_t>(8, end - i);
    const f8 gv = loadBf16N(g + i, n), dyv = loadBf16N(dy + i, n);
    const f8 e = exp8(-gv);
    const f8 sig = splat(1.0f) / (splat(1.0f) + e);
    const f8 silu = throughBf16(gv / (splat(1.0f) + e));
    const f8 ds = throughBf16(dyv * loadBf16N(u + i, n));
    storeBf16N(du + i, dyv * silu, n);
    storeBf16N(dg + i, ds * sig * (splat(1.0f) + gv * (splat(1.0f) - sig)), n);
  }
}

const uint16_t* bf16Data(const at::Tensor& t) { return reinterpret_cast<const uint16_t*>(t.data_ptr<at::BFloat16>()); }
uint16_t* bf16Data(at::Tensor& t) { return reinterpret_cast<uint16_t*>(t.data_ptr<at::BFloat16>()); }

// y = silu(g) · u for float32 or bf16 tensors of one shape.
at::Tensor siluMulValue(const at::Tensor& g, const at::Tensor& u) {
  at::Tensor y = at::empty_like(g);
  if (g.scalar_type() == at::kFloat) {
    const float *gp = g.data_ptr<float>(), *up = u.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    at::parallel_for(0, g.numel(), kGrain, [&](int64_t b, int64_t e) { siluMulRange(gp, up, yp, b, e); });
  } else {
    const uint16_t *gp = bf16Data(g), *up = bf16Data(u);
    uint16_t* yp = bf16Data(y);
    at::parallel_for(0, g.numel(), kGrain, [&](int64_t b, int64_t e) { siluMulRangeBf16(gp, up, yp, b, e); });
  }
  return y;
}

// (dg, du) for the incoming gradient dy of silu(g) · u.
std::pair<at::Tensor, at::Tensor> siluMulBackward(const at::Tensor& g, const at::Tensor& u, const at::Tensor& dy) {
  at::Tensor dg = at::empty_like(g), du = at::empty_like(u);
  if (g.scalar_type() == at::kFloat) {
    const float *gp = g.data_ptr<float>(), *up = u.data_ptr<float>(), *dyp = dy.data_ptr<float>();
    float *dgp = dg.data_ptr<float>(), *dup = du.data_ptr<float>();
    at::parallel_for(0, g.numel(), kGrain, [&](int64_t b, int64_t e) { siluMulBackwardRange(gp, up, dyp, dgp, dup, b, e); });
  } else {
    const uint16_t *gp = bf16Data(g), *up = bf16Data(u), *dyp = bf16Data(dy);
    uint16_t *dgp = bf16Data(dg), *dup = bf16Data(du);
    at::parallel_for(0, g.numel(), kGrain,
                     [&](int64_t b, int64_t e) { siluMulBackwardRangeBf16(gp, up, dyp, dgp, dup, b, e); });
  }
  return {dg, du};
}

bool fusable(const at::Tensor& g, const at::Tensor& u) {
  auto plain = [](const at::Tensor& x) {
    return x.device().is_cpu() && x.scalar_type() == at::kFloat && x.is_contiguous() && x.numel() > 0;
  };
  return plain(g) && plain(u) && g.sizes() == u.sizes();
}

// libtorch 1.x's bf16 silu rounds in between (its values are up to 2 bf16 steps from the float
// silu rounded once), so there the fused bf16 kernel could not equal the composed ops the
// no-grad path (rollouts) runs, and a fresh rollout's importance ratio would not be 1: bf16
// stays composed there.
bool fusableBf16(const at::Tensor& g, const at::Tensor& u) {
  if (!RLHF_TORCH_AT_LEAST(2, 0)) return false;
  auto plain = [](const at::Tensor& x) {
    return x.device().is_cpu() && x.scalar_type() == at::kBFloat16 && x.is_contiguous() && x.numel() > 0;
  };
  return plain(g) && plain(u) && g.sizes() == u.sizes();
}

struct FusedSiluMul : public torch::autograd::Function<FusedSiluMul> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& g, const at::Tensor& u) {
    ctx->save_for_backward({g, u});
    return siluMulValue(g, u);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto [dg, du] = siluMulBackward(saved[0], saved[1], grads[0].contiguous());
    return {dg, du};
  }
};

// down(silu(gate) · up) with the product not kept for backward: the composed form saves it as
// the down projection's input, (tokens, intermediate) floats per layer, a quarter of a Qwen2
// layer's activations; here backward recomputes it from gate and up (one cheap pass).
// Under autocast the gate and up come in bf16 and the weight in float32: the product runs in bf16
// with the weight cast on the fly, forward and backward, so (as autocast_linear.cc) no cast copy
// of it outlives the op.
struct FusedSiluMulLinear : public torch::autograd::Function<FusedSiluMulLinear> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& g, const at::Tensor& u, const at::Tensor& w) {
    c10::impl::ExcludeDispatchKeyGuard noAutocast(c10::DispatchKeySet(c10::DispatchKey::AutocastCPU));
    at::Tensor y = at::matmul(siluMulValue(g, u), w.to(g.scalar_type()).t());
    ctx->save_for_backward({g, u, w});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &g = saved[0], &u = saved[1], &w = saved[2];
    const int64_t I = g.size(-1), H = w.size(0);
    at::Tensor dy = grads[0].reshape({-1, H});
    at::Tensor dw;
    if (ctx->needs_input_grad(2)) dw = at::mm(dy.t(), siluMulValue(g, u).reshape({-1, I})).to(w.scalar_type());
    at::Tensor dg, du;
    if (ctx->needs_input_grad(0) || ctx->needs_input_grad(1)) {
      std::tie(dg, du) = siluMulBackward(g, u, at::mm(dy, w.to(g.scalar_type())).reshape(g.sizes()));
    }
    return {dg, du, dw};
  }
};

// silu(g) · u: fused in float32, and in bf16 when a backward follows (without one, bf16 keeps the
// ATen ops, whose values generation's tests pin); else composed.
at::Tensor siluMul(const at::Tensor& g, const at::Tensor& u, bool backward) {
  if (fusable(g, u) || (backward && fusableBf16(g, u))) return FusedSiluMul::apply(g, u);
  return at::silu(g) * u;
}

// float32 (no autocast), or bf16 gate and up with a float32 weight under bf16 CPU autocast.
bool fusableLinear(const at::Tensor& g, const at::Tensor& u, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  const bool cast = autocastEnabled(at::kCPU);
  if (cast ? !fusableBf16(g, u) || autocastDtypeOf(at::kCPU) != at::kBFloat16 : !fusable(g, u)) return false;
  // A bias (rare in gated MLPs) takes the composed path.
  return w.device().is_cpu() && w.scalar_type() == at::kFloat && w.is_contiguous() && w.dim() == 2 &&
         w.size(1) == g.size(-1) && !b;
}

}  // namespace

// siluMulLinear(gate, up, weight, bias | null) = linear(silu(gate) · up, weight, bias): the gated
// MLP's activation and down projection, keeping only gate and up for backward where fusable.
RLHF_OP(siluMulLinear) {
  const at::Tensor& g = a.tensor(0);
  const at::Tensor& u = a.tensor(1);
  const at::Tensor& w = a.tensor(2);
  auto b = a.optTensor(3);
  // Without a backward there is nothing to save: the product goes through the addon's linear (the
  // few-row kernel of a decoding step; autocastLinear under autocast).
  const bool backward = at::GradMode::is_enabled() && (g.requires_grad() || u.requires_grad() || w.requires_grad());
  if (backward && fusableLinear(g, u, w, b)) return wrap(a.env(), FusedSiluMulLinear::apply(g, u, w));
  return wrap(a.env(), dispatchLinear(siluMul(g, u, backward), w, b));
}

// siluMul(gate, up) = silu(gate) · up.
RLHF_OP(siluMul) {
  const at::Tensor& g = a.tensor(0);
  const at::Tensor& u = a.tensor(1);
  return wrap(a.env(), siluMul(g, u, at::GradMode::is_enabled() && (g.requires_grad() || u.requires_grad())));
}

static const OpDef ops[] = {RLHF_DEF(siluMul), RLHF_DEF(siluMulLinear)};
RLHF_REGISTER(registerSiluMul, ops)

}  // namespace rlhf
