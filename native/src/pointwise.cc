// Elementwise math with broadcasting and PyTorch's type promotion; in-place variants end in _.
#include "core.h"

namespace rlhf {

namespace {
// The right operand of a binary op is a tensor or a JS number/boolean.
template <typename TensorFn, typename ScalarFn>
at::Tensor binary(const Args& a, TensorFn onTensor, ScalarFn onScalar) {
  return a.isTensor(1) ? onTensor(a.tensor(0), a.tensor(1)) : onScalar(a.tensor(0), a.scalar(1));
}
// Integral by default so integer tensors accept it (libtorch rejects a float alpha for them).
at::Scalar alphaOf(const Args& a, size_t i) { return a.isNullish(i) ? at::Scalar(int64_t{1}) : a.scalar(i); }
}  // namespace

#define UNARY(name, expr)                                                             \
  RLHF_OP(name) {                                                                     \
    const at::Tensor& x = a.tensor(0);                                                \
    return wrap(a.env(), expr);                                                       \
  }
#define UNARY_INPLACE(name, expr)                                                     \
  RLHF_OP(name) {                                                                     \
    at::Tensor x = a.tensor(0);                                                       \
    expr;                                                                             \
    return a.env().Undefined();                                                       \
  }
#define BINARY(name, fn)                                                                                   \
  RLHF_OP(name) {                                                                                          \
    return wrap(a.env(), binary(a, [](const at::Tensor& x, const at::Tensor& y) { return at::fn(x, y); },  \
                                [](const at::Tensor& x, const at::Scalar& y) { return at::fn(x, y); }));   \
  }
#define BINARY_INPLACE(name, method)                                           \
  RLHF_OP(name) {                                                              \
    at::Tensor x = a.tensor(0);                                                \
    if (a.isTensor(1)) x.method(a.tensor(1)); else x.method(a.scalar(1));      \
    return a.env().Undefined();                                                \
  }

UNARY(neg, at::neg(x))
UNARY(exp, at::exp(x))
UNARY(log, at::log(x))
UNARY(log1p, at::log1p(x))
UNARY(expm1, at::expm1(x))
UNARY(sqrt, at::sqrt(x))
UNARY(rsqrt, at::rsqrt(x))
UNARY(abs, at::abs(x))
UNARY(sign, at::sign(x))
UNARY(sin, at::sin(x))
UNARY(cos, at::cos(x))
UNARY(reciprocal, at::reciprocal(x))
UNARY(square, at::square(x))
UNARY(floor, at::floor(x))
UNARY(ceil, at::ceil(x))
UNARY(round, at::round(x))
UNARY(logicalNot, at::logical_not(x))
UNARY(isnan, at::isnan(x))
UNARY(isinf, at::isinf(x))
UNARY(isfinite, at::isfinite(x))
UNARY(nanToNum, at::nan_to_num(x, a.optNumber(1), a.optNumber(2), a.optNumber(3)))

UNARY_INPLACE(neg_, x.neg_())
UNARY_INPLACE(exp_, x.exp_())
UNARY_INPLACE(log_, x.log_())
UNARY_INPLACE(sqrt_, x.sqrt_())
UNARY_INPLACE(abs_, x.abs_())
UNARY_INPLACE(zero_, x.zero_())
UNARY_INPLACE(fill_, x.fill_(a.scalar(1)))
UNARY_INPLACE(uniform_, x.uniform_(a.number(1), a.number(2)))
UNARY_INPLACE(normal_, x.normal_(a.number(1), a.number(2)))

RLHF_OP(add) {
  at::Scalar alpha = alphaOf(a, 2);
  at::Tensor out = a.isTensor(1) ? at::add(a.tensor(0), a.tensor(1), alpha) : at::add(a.tensor(0), a.scalar(1), alpha);
  return wrap(a.env(), out);
}
RLHF_OP(sub) {
  at::Scalar alpha = alphaOf(a, 2);
  at::Tensor out = a.isTensor(1) ? at::sub(a.tensor(0), a.tensor(1), alpha) : at::sub(a.tensor(0), a.scalar(1), alpha);
  return wrap(a.env(), out);
}
// rsub(x, s) = s - x, for a scalar on the left.
RLHF_OP(rsub) { return wrap(a.env(), at::rsub(a.tensor(0), a.scalar(1))); }
BINARY(mul, mul)
BINARY(div, div)
BINARY(remainder, remainder)
BINARY(eq, eq)
BINARY(ne, ne)
BINARY(lt, lt)
BINARY(le, le)
BINARY(gt, gt)
BINARY(ge, ge)
// rdiv(x, s) = s / x.
RLHF_OP(rdiv) { return wrap(a.env(), at::mul(at::reciprocal(a.tensor(0)), a.scalar(1))); }
RLHF_OP(pow) {
  if (!a.isTensor(0)) return wrap(a.env(), at::pow(a.scalar(0), a.tensor(1)));
  return wrap(a.env(), binary(a, [](const at::Tensor& x, const at::Tensor& y) { return at::pow(x, y); },
                              [](const at::Tensor& x, const at::Scalar& y) { return at::pow(x, y); }));
}
RLHF_OP(floorDivide) {
  if (a.isTensor(1)) return wrap(a.env(), at::div(a.tensor(0), a.tensor(1), "floor"));
  return wrap(a.env(), at::div(a.tensor(0), a.scalar(1), "floor"));
}
RLHF_OP(maximum) { return wrap(a.env(), at::maximum(a.tensor(0), a.tensor(1))); }
RLHF_OP(minimum) { return wrap(a.env(), at::minimum(a.tensor(0), a.tensor(1))); }
RLHF_OP(logicalAnd) { return wrap(a.env(), at::logical_and(a.tensor(0), a.tensor(1))); }
RLHF_OP(logicalOr) { return wrap(a.env(), at::logical_or(a.tensor(0), a.tensor(1))); }
RLHF_OP(logicalXor) { return wrap(a.env(), at::logical_xor(a.tensor(0), a.tensor(1))); }
RLHF_OP(allclose) {
  return Napi::Boolean::New(a.env(), at::allclose(a.tensor(0), a.tensor(1), a.number(2), a.number(3), a.boolean(4)));
}
RLHF_OP(equal) { return Napi::Boolean::New(a.env(), at::equal(a.tensor(0), a.tensor(1))); }

RLHF_OP(clamp) {
  c10::optional<at::Scalar> lo, hi;
  if (!a.isNullish(1)) lo = a.scalar(1);
  if (!a.isNullish(2)) hi = a.scalar(2);
  return wrap(a.env(), at::clamp(a.tensor(0), lo, hi));
}
RLHF_OP(clamp_) {
  c10::optional<at::Scalar> lo, hi;
  if (!a.isNullish(1)) lo = a.scalar(1);
  if (!a.isNullish(2)) hi = a.scalar(2);
  at::Tensor x = a.tensor(0);
  x.clamp_(lo, hi);
  return a.env().Undefined();
}
// where(cond, x, y): x and y may each be a tensor or a scalar.
RLHF_OP(where) {
  const at::Tensor& cond = a.tensor(0);
  if (a.isTensor(1) && a.isTensor(2)) return wrap(a.env(), at::where(cond, a.tensor(1), a.tensor(2)));
  if (a.isTensor(1)) return wrap(a.env(), at::where(cond, a.tensor(1), a.scalar(2)));
  if (a.isTensor(2)) return wrap(a.env(), at::where(cond, a.scalar(1), a.tensor(2)));
  return wrap(a.env(), at::where(cond, a.scalar(1), a.scalar(2)));
}
RLHF_OP(lerp) {
  if (a.isTensor(2)) return wrap(a.env(), at::lerp(a.tensor(0), a.tensor(1), a.tensor(2)));
  return wrap(a.env(), at::lerp(a.tensor(0), a.tensor(1), a.scalar(2)));
}

RLHF_OP(add_) {
  at::Tensor x = a.tensor(0);
  at::Scalar alpha = alphaOf(a, 2);
  if (a.isTensor(1)) x.add_(a.tensor(1), alpha); else x.add_(a.scalar(1), alpha);
  return a.env().Undefined();
}
RLHF_OP(sub_) {
  at::Tensor x = a.tensor(0);
  at::Scalar alpha = alphaOf(a, 2);
  if (a.isTensor(1)) x.sub_(a.tensor(1), alpha); else x.sub_(a.scalar(1), alpha);
  return a.env().Undefined();
}
BINARY_INPLACE(mul_, mul_)
BINARY_INPLACE(div_, div_)
BINARY_INPLACE(pow_, pow_)
RLHF_OP(lerp_) {
  at::Tensor x = a.tensor(0);
  if (a.isTensor(2)) x.lerp_(a.tensor(1), a.tensor(2)); else x.lerp_(a.tensor(1), a.scalar(2));
  return a.env().Undefined();
}
// addcmul_(x, t1, t2, value): x += value * t1 * t2
RLHF_OP(addcmul_) {
  at::Tensor x = a.tensor(0);
  x.addcmul_(a.tensor(1), a.tensor(2), a.scalar(3));
  return a.env().Undefined();
}
// addcdiv_(x, t1, t2, value): x += value * t1 / t2
RLHF_OP(addcdiv_) {
  at::Tensor x = a.tensor(0);
  x.addcdiv_(a.tensor(1), a.tensor(2), a.scalar(3));
  return a.env().Undefined();
}
RLHF_OP(maskedFill_) {
  at::Tensor x = a.tensor(0);
  x.masked_fill_(a.tensor(1), a.scalar(2));
  return a.env().Undefined();
}

static const OpDef ops[] = {
    RLHF_DEF(neg),        RLHF_DEF(exp),         RLHF_DEF(log),        RLHF_DEF(log1p),      RLHF_DEF(expm1),
    RLHF_DEF(sqrt),       RLHF_DEF(rsqrt),       RLHF_DEF(abs),        RLHF_DEF(sign),       RLHF_DEF(sin),
    RLHF_DEF(cos),        RLHF_DEF(reciprocal),  RLHF_DEF(square),     RLHF_DEF(floor),      RLHF_DEF(ceil),
    RLHF_DEF(round),      RLHF_DEF(logicalNot),  RLHF_DEF(isnan),      RLHF_DEF(isinf),      RLHF_DEF(isfinite),
    RLHF_DEF(nanToNum),   RLHF_DEF(neg_),        RLHF_DEF(exp_),       RLHF_DEF(log_),       RLHF_DEF(sqrt_),
    RLHF_DEF(abs_),       RLHF_DEF(zero_),       RLHF_DEF(fill_),      RLHF_DEF(uniform_),   RLHF_DEF(normal_),
    RLHF_DEF(add),        RLHF_DEF(sub),         RLHF_DEF(rsub),       RLHF_DEF(mul),        RLHF_DEF(div),
    RLHF_DEF(remainder),  RLHF_DEF(eq),          RLHF_DEF(ne),         RLHF_DEF(lt),         RLHF_DEF(le),
    RLHF_DEF(gt),         RLHF_DEF(ge),          RLHF_DEF(rdiv),       RLHF_DEF(pow),        RLHF_DEF(floorDivide),
    RLHF_DEF(maximum),    RLHF_DEF(minimum),     RLHF_DEF(logicalAnd), RLHF_DEF(logicalOr),  RLHF_DEF(logicalXor),
    RLHF_DEF(allclose),   RLHF_DEF(equal),       RLHF_DEF(clamp),      RLHF_DEF(clamp_),     RLHF_DEF(where),
    RLHF_DEF(lerp),       RLHF_DEF(add_),        RLHF_DEF(sub_),       RLHF_DEF(mul_),       RLHF_DEF(div_),
    RLHF_DEF(pow_),       RLHF_DEF(lerp_),       RLHF_DEF(addcmul_),   RLHF_DEF(addcdiv_),   RLHF_DEF(maskedFill_),
};
RLHF_REGISTER(registerPointwise, ops)

}  // namespace rlhf
