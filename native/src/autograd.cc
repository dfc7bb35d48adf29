// Autograd: gradient tracking, backward and the grad-mode switch behind noGrad().
#include "core.h"

namespace rlhf {

RLHF_OP(requiresGrad) { return Napi::Boolean::New(a.env(), a.tensor(0).requires_grad()); }
RLHF_OP(setRequiresGrad) {
  a.tensor(0).requires_grad_(a.boolean(1));
  return a.env().Undefined();
}
RLHF_OP(isLeaf) { return Napi::Boolean::New(a.env(), a.tensor(0).is_leaf()); }
RLHF_OP(grad) { return wrap(a.env(), a.tensor(0).grad()); }
// setGrad(x, grad | null)
RLHF_OP(setGrad) {
  at::Tensor x = a.tensor(0);
  x.mutable_grad() = a.isNullish(1) ? at::Tensor() : a.tensor(1);
  return a.env().Undefined();
}
RLHF_OP(retainGrad) {
  a.tensor(0).retain_grad();
  return a.env().Undefined();
}
RLHF_OP(detach) { return wrap(a.env(), a.tensor(0).detach()); }
// backward(x, gradient | null, retainGraph, createGraph)
RLHF_OP(backward) {
  a.tensor(0).backward(a.optTensor(1).value_or(at::Tensor()), a.boolean(2), a.boolean(3));
  return a.env().Undefined();
}
RLHF_OP(isGradEnabled) { return Napi::Boolean::New(a.env(), at::GradMode::is_enabled()); }
RLHF_OP(setGradEnabled) {
  at::GradMode::set_enabled(a.boolean(0));
  return a.env().Undefined();
}

static const OpDef ops[] = {
    RLHF_DEF(requiresGrad), RLHF_DEF(setRequiresGrad), RLHF_DEF(isLeaf),   RLHF_DEF(grad),
    RLHF_DEF(setGrad),      RLHF_DEF(retainGrad),      RLHF_DEF(detach),   RLHF_DEF(backward),
    RLHF_DEF(isGradEnabled), RLHF_DEF(setGradEnabled),
};
RLHF_REGISTER(registerAutograd, ops)

}  // namespace rlhf
