// Fused optimizer steps: one native call and one pass over memory per parameter, where the
// op-by-op update takes eight calls and eight passes (PyTorch's `fused=True` for the same reason).
#include <ATen/Parallel.h>

#include <cmath>

#include "core.h"

namespace rlhf {

namespace {

// Each scalar is computed in double and rounded once, as a Python float reaches an ATen kernel.
struct AdamHyper {
  float shrink, weightDecay, mixWeight, beta2, sqWeight, biasCorrection2Sqrt, eps, stepSize;
};

// The float32 update, operation for operation as the op-by-op path (and torch's
// _single_tensor_adamw), so the two agree to float rounding (not to the bit: libtorch's own
// kernels may contract a·b + c into one FMA, depending on how it was built). The loop has no branches, so it
// vectorises: decoupled decay multiplies by `shrink` (1 without decay, exact), L2 decay adds
// `weightDecay · p` to the gradient (a compile-time choice), and lerp takes ATen's branch for
// weights under 0.5 (β1 > 0.5; other β1 take the op-by-op path).
template <bool kL2>
// An AVX2/FMA clone where the CPU has it (eight lanes), picked at load time.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void adamFloat(float* __restrict p, const float* __restrict g,
                                                                            float* __restrict m, float* __restrict v,
                                                                            int64_t begin, int64_t end, const AdamHyper& h) {
  const float shrink = h.shrink, weightDecay = h.weightDecay, mixWeight = h.mixWeight, beta2 = h.beta2;
  const float sqWeight = h.sqWeight, biasCorrection2Sqrt = h.biasCorrection2Sqrt, eps = h.eps, stepSize = h.stepSize;
  for (int64_t i = begin; i < end; i++) {
    const float pi = kL2 ? p[i] : p[i] * shrink;
    const float gi = kL2 ? g[i] + weightDecay * p[i] : g[i];
    const float mi = m[i] + mixWeight * (gi - m[i]);
    const float vi = v[i] * beta2 + sqWeight * gi * gi;
    const float denom = std::sqrt(vi) / biasCorrection2Sqrt + eps;
    p[i] = pi + stepSize * mi / denom;
    m[i] = mi;
    v[i] = vi;
  }
}

bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v) {
  for (const at::Tensor* t : {&p, &g, &m, &v}) {
    if (!t->device().is_cpu() || t->scalar_type() != at::kFloat || !t->is_contiguous()) return false;
  }
  return g.numel() == p.numel() && m.numel() == p.numel() && v.numel() == p.numel();
}

}  // namespace

// adamStep_(param, grad, expAvg, expAvgSq, maxExpAvgSq | null, lr, beta1, beta2, eps, weightDecay,
// decoupled, step): one Adam (decoupled=false: L2 decay) or AdamW step in place, `step` counting
// this update; with maxExpAvgSq, AMSGrad. Float32 CPU tensors without AMSGrad take the fused loop;
// anything else runs the update op by op as torch's _single_tensor_adam(w), so float64 agrees
// with PyTorch to rounding.
RLHF_OP(adamStep_) {
  at::Tensor p = a.tensor(0);
  const at::Tensor& g = a.tensor(1);
  at::Tensor m = a.tensor(2);
  at::Tensor v = a.tensor(3);
  auto maxV = a.optTensor(4);
  double lr = a.number(5), beta1 = a.number(6), beta2 = a.number(7), eps = a.number(8), weightDecay = a.number(9);
  bool decoupled = a.boolean(10);
  double step = a.number(11);
  double biasCorrection1 = 1 - std::pow(beta1, step);
  double biasCorrection2Sqrt = std::sqrt(1 - std::pow(beta2, step));
  at::NoGradGuard noGrad;
  if (!maxV && fusable(p, g, m, v) && beta1 > 0.5) {
    auto f = [](double x) { return static_cast<float>(x); };
    AdamHyper h{f(1 - lr * weightDecay), f(weightDecay),         f(1 - beta1), f(beta2), f(1 - beta2),
                f(biasCorrection2Sqrt),  f(eps), f(-lr / biasCorrection1)};
    float* pp = p.data_ptr<float>();
    const float* gp = g.data_ptr<float>();
    float* mp = m.data_ptr<float>();
    float* vp = v.data_ptr<float>();
    at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
      if (decoupled || weightDecay == 0) adamFloat<false>(pp, gp, mp, vp, begin, end, h);
      else adamFloat<true>(pp, gp, mp, vp, begin, end, h);
    });
    // In-place writes through data pointers must still invalidate tensors autograd saved.
    for (at::Tensor* t : {&p, &m, &v}) t->unsafeGetTensorImpl()->bump_version();
    return a.env().Undefined();
  }
  at::Tensor grad = g;
  if (weightDecay != 0) {
    if (decoupled) p.mul_(1 - lr * weightDecay);
    else grad = g.add(p, weightDecay);
  }
  m.lerp_(grad, 1 - beta1);
  v.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
  if (maxV) at::maximum_out(*maxV, *maxV, v);
  at::Tensor denom = (maxV ? *maxV : v).sqrt().div_(biasCorrection2Sqrt).add_(eps);
  p.addcdiv_(m, denom, -lr / biasCorrection1);
  return a.env().Undefined();
}

static const OpDef ops[] = {RLHF_DEF(adamStep_)};
RLHF_REGISTER(registerOptim, ops)

}  // namespace rlhf
