// Fused layers with hand-written backward passes: one pass over memory where the composed ops
// take several (and where libtorch 1.13's own kernels are slow). Float32 contiguous CPU tensors
// take the fused path; anything else is composed from ATen ops as before.
#include <ATen/Parallel.h>

#include <cmath>

#include "core.h"
#include "vec8.h"

namespace rlhf {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// y = w · (x · r) with r = 1/sqrt(mean(x²) + eps) per row, as transformers' RMSNorm rounds it.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void rmsNormRows(const float* __restrict x,
                                                                              const float* __restrict w,
                                                                              float* __restrict y, float* __restrict r,
                                                                              int64_t begin, int64_t end, int64_t H,
                                                                              float eps) {
  for (int64_t row = begin; row < end; row++) {
    const float* xr = x + row * H;
    float* yr = y + row * H;
    float ri = 1.0f / std::sqrt(laneSum(H, [&](int64_t j) { return xr[j] * xr[j]; }) / static_cast<float>(H) + eps);
    r[row] = ri;
    for (int64_t j = 0; j < H; j++) yr[j] = w[j] * (xr[j] * ri);
  }
}

// dx = r·g − x·r³·(g·x)/H with g = dy·w; dw (this chunk's share) += dy·x·r.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void rmsNormBackwardRows(
    const float* __restrict x, const float* __restrict w, const float* __restrict r, const float* __restrict dy,
    float* __restrict dx, float* __restrict dw, int64_t begin, int64_t end, int64_t H) {
  for (int64_t row = begin; row < end; row++) {
    const float* xr = x + row * H;
    const float* dyr = dy + row * H;
    float* dxr = dx + row * H;
    const float ri = r[row];
    const float gx = laneSum(H, [&](int64_t j) { return dyr[j] * w[j] * xr[j]; });
    const float c = ri * ri * ri * gx / static_cast<float>(H);
    for (int64_t j = 0; j < H; j++) {
      dxr[j] = ri * (dyr[j] * w[j]) - xr[j] * c;
      dw[j] += dyr[j] * (xr[j] * ri);
    }
  }
}

bool fusableRms(const at::Tensor& x, const at::Tensor& w) {
  return x.device().is_cpu() && x.scalar_type() == at::kFloat && x.is_contiguous() && x.dim() >= 1 && w.defined() &&
         w.scalar_type() == at::kFloat && w.is_contiguous() && w.dim() == 1 && w.size(0) == x.size(-1) && x.numel() > 0;
}

struct FusedRmsNorm : public torch::autograd::Function<FusedRmsNorm> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, double eps) {
    int64_t H = x.size(-1), rows = x.numel() / H;
    at::Tensor y = at::empty_like(x);
    at::Tensor r = at::empty({rows}, x.options());
    const float* xp = x.data_ptr<float>();
    const float* wp = w.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    float* rp = r.data_ptr<float>();
    at::parallel_for(0, rows, std::max<int64_t>(1, 4096 / H), [&](int64_t b, int64_t e) {
      rmsNormRows(xp, wp, yp, rp, b, e, H, static_cast<float>(eps));
    });
    ctx->save_for_backward({x, w, r});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& w = saved[1];
    const at::Tensor& r = saved[2];
    at::Tensor dy = grads[0].contiguous();
    int64_t H = x.size(-1), rows = x.numel() / H;
    at::Tensor dx = at::empty_like(x);
    // Each chunk sums its rows' share of dw; the shares are added at the end.
    int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(rows, at::get_num_threads() * 2));
    at::Tensor partial = at::zeros({chunks, H}, x.options());
    const float *xp = x.data_ptr<float>(), *wp = w.data_ptr<float>(), *rp = r.data_ptr<float>(), *dyp = dy.data_ptr<float>();
    float* dxp = dx.data_ptr<float>();
    float* pp = partial.data_ptr<float>();
    at::parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; c++) {
        int64_t begin = rows * c / chunks, end = rows * (c + 1) / chunks;
        rmsNormBackwardRows(xp, wp, rp, dyp, dxp, pp + c * H, begin, end, H);
      }
    });
    return {dx, partial.sum(0), at::Tensor()};
  }
};

// The composed form, for dtypes/devices/layouts the fused path does not take: normalising in
// (at least) float32 and casting back before the weight, as transformers' LlamaRMSNorm.
at::Tensor rmsNormComposed(const at::Tensor& x, const c10::optional<at::Tensor>& w, double eps) {
  at::Tensor xf = x.to(at::promote_types(x.scalar_type(), at::kFloat));
  at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps);
  normed = normed.to(x.scalar_type());
  return w ? *w * normed : normed;
}

}  // namespace

// rmsNorm(x, weight | null, eps): the Llama/Qwen2 RMSNorm over the last dim.
RLHF_OP(rmsNorm) {
  const at::Tensor& x = a.tensor(0);
  auto w = a.optTensor(1);
  double eps = a.number(2);
  if (w && fusableRms(x, *w)) return wrap(a.env(), FusedRmsNorm::apply(x, *w, eps));
  return wrap(a.env(), rmsNormComposed(x, w, eps));
}

static const OpDef ops[] = {RLHF_DEF(rmsNorm)};
RLHF_REGISTER(registerFused, ops)

}  // namespace rlhf
