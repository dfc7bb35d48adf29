// See autocast_linear.h. The gradients are the ones autograd computes through autocast's graph
// (ToCopy -> linear -> ToCopy back): dx = dy·W and dW = dyᵀ·x in the autocast dtype, then cast
// to the inputs' own dtypes; test/tensor/autocast-linear.test.ts checks them bit for bit.
#include "autocast_linear.h"

#include <c10/core/impl/LocalDispatchKeySet.h>

#include "core.h"
#include "skinny_linear.h"

namespace rlhf {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

bool castable(const at::Tensor& t, at::ScalarType autocastDtype) {
  return t.scalar_type() == at::kFloat || t.scalar_type() == autocastDtype;
}

at::Tensor castTo(const at::Tensor& t, at::ScalarType dtype) { return t.scalar_type() == dtype ? t : t.to(dtype); }

struct AutocastLinearFn : public torch::autograd::Function<AutocastLinearFn> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
                            const c10::optional<at::Tensor>& b, int64_t dtypeCode) {
    const auto dtype = static_cast<at::ScalarType>(dtypeCode);
    // The casts are explicit; with autocast's keys off, its cache never holds the weight's copy.
    c10::impl::ExcludeDispatchKeyGuard noAutocast(c10::DispatchKeySet(c10::DispatchKey::AutocastCPU) |
                                                  c10::DispatchKeySet(c10::DispatchKey::AutocastCUDA));
    const at::Tensor xc = castTo(x, dtype);
    const bool hasBias = b.has_value() && b->defined();
    const c10::optional<at::Tensor> bc = hasBias ? c10::optional<at::Tensor>(castTo(*b, dtype)) : c10::nullopt;
    at::Tensor y = at::linear(xc, castTo(w, dtype), bc);
    ctx->save_for_backward({xc, w});
    ctx->saved_data["x_dtype"] = static_cast<int64_t>(x.scalar_type());
    ctx->saved_data["has_bias"] = hasBias;
    ctx->saved_data["b_dtype"] = static_cast<int64_t>(hasBias ? b->scalar_type() : at::kFloat);
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &xc = saved[0], &w = saved[1];
    const int64_t N = w.size(0), K = w.size(1);
    const at::Tensor dy = grads[0].reshape({-1, N});
    at::Tensor dx, dw, db;
    if (ctx->needs_input_grad(0)) {
      const auto xDtype = static_cast<at::ScalarType>(ctx->saved_data["x_dtype"].toInt());
      dx = at::mm(dy, castTo(w, xc.scalar_type())).reshape(xc.sizes()).to(xDtype);
    }
    if (ctx->needs_input_grad(1)) dw = at::mm(dy.t(), xc.reshape({-1, K})).to(w.scalar_type());
    // needs_input_grad counts tensor inputs only: the bias is the third when there is one.
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)) {
      db = dy.sum(0).to(static_cast<at::ScalarType>(ctx->saved_data["b_dtype"].toInt()));
    }
    return {dx, dw, db, at::Tensor()};
  }
};

}  // namespace

bool autocastLinearApplies(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  const at::DeviceType d = w.device().type();
  if ((d != at::kCPU && d != at::kCUDA) || !autocastEnabled(d) || !at::GradMode::is_enabled()) return false;
  const at::ScalarType dtype = autocastDtypeOf(d);
  if (w.scalar_type() != at::kFloat || w.dim() != 2 || x.dim() < 1 || !castable(x, dtype)) return false;
  const bool hasBias = b.has_value() && b->defined();
  if (hasBias && (b->scalar_type() != at::kFloat || b->dim() != 1)) return false;
  return x.requires_grad() || w.requires_grad() || (hasBias && b->requires_grad());
}

at::Tensor autocastLinear(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  return AutocastLinearFn::apply(x, w, b, static_cast<int64_t>(autocastDtypeOf(w.device().type())));
}

at::Tensor dispatchLinear(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  return autocastLinearApplies(x, w, b) ? autocastLinear(x, w, b) : linearForward(x, w, b);
}

}  // namespace rlhf
