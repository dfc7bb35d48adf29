// Reductions over all elements or over given dims, with keepdim.
#include "core.h"

namespace rlhf {

namespace {
// Reduces dims one at a time (highest first) for ops whose ATen form takes a single dim.
template <typename Fn>
at::Tensor reduceEach(const at::Tensor& x, std::vector<int64_t> dims, bool keepdim, Fn fn) {
  for (auto& d : dims) d = c10::maybe_wrap_dim(d, x.dim());
  std::sort(dims.rbegin(), dims.rend());
  at::Tensor out = x;
  for (int64_t d : dims) out = fn(out, d, keepdim);
  return out;
}
}  // namespace

// sum(x, dims | null, keepdim, dtype | null)
RLHF_OP(sum) {
  auto dims = a.optInts(1);
  if (!dims) return wrap(a.env(), at::sum(a.tensor(0), a.optDtype(3)));
  return wrap(a.env(), at::sum(a.tensor(0), *dims, a.boolean(2), a.optDtype(3)));
}
RLHF_OP(mean) {
  auto dims = a.optInts(1);
  if (!dims) return wrap(a.env(), at::mean(a.tensor(0), a.optDtype(3)));
  return wrap(a.env(), at::mean(a.tensor(0), *dims, a.boolean(2), a.optDtype(3)));
}
RLHF_OP(prod) {
  if (a.isNullish(1)) return wrap(a.env(), at::prod(a.tensor(0), a.optDtype(3)));
  return wrap(a.env(), at::prod(a.tensor(0), a.int64(1), a.boolean(2), a.optDtype(3)));
}
// var/std(x, dims | null, unbiased, keepdim)
RLHF_OP(var) {
  auto dims = a.optInts(1);
  at::OptionalIntArrayRef ref = dims ? at::OptionalIntArrayRef(*dims) : c10::nullopt;
  return wrap(a.env(), at::var(a.tensor(0), ref, a.boolean(2), a.boolean(3)));
}
RLHF_OP(std) {
  auto dims = a.optInts(1);
  at::OptionalIntArrayRef ref = dims ? at::OptionalIntArrayRef(*dims) : c10::nullopt;
  return wrap(a.env(), at::std(a.tensor(0), ref, a.boolean(2), a.boolean(3)));
}
RLHF_OP(amax) { return wrap(a.env(), at::amax(a.tensor(0), a.ints(1), a.boolean(2))); }
RLHF_OP(amin) { return wrap(a.env(), at::amin(a.tensor(0), a.ints(1), a.boolean(2))); }
RLHF_OP(maxAll) { return wrap(a.env(), at::max(a.tensor(0))); }
RLHF_OP(minAll) { return wrap(a.env(), at::min(a.tensor(0))); }
// maxDim/minDim(x, dim, keepdim) -> [values, indices]
RLHF_OP(maxDim) {
  auto [values, indices] = at::max(a.tensor(0), a.int64(1), a.boolean(2));
  return wrapAll(a.env(), {values, indices});
}
RLHF_OP(minDim) {
  auto [values, indices] = at::min(a.tensor(0), a.int64(1), a.boolean(2));
  return wrapAll(a.env(), {values, indices});
}
RLHF_OP(argmax) { return wrap(a.env(), at::argmax(a.tensor(0), a.optInt64(1), a.boolean(2))); }
RLHF_OP(argmin) { return wrap(a.env(), at::argmin(a.tensor(0), a.optInt64(1), a.boolean(2))); }
RLHF_OP(logsumexp) { return wrap(a.env(), at::logsumexp(a.tensor(0), a.ints(1), a.boolean(2))); }
RLHF_OP(cumsum) { return wrap(a.env(), at::cumsum(a.tensor(0), a.int64(1), a.optDtype(2))); }
RLHF_OP(cumprod) { return wrap(a.env(), at::cumprod(a.tensor(0), a.int64(1), a.optDtype(2))); }
// any/all(x, dims | null, keepdim)
RLHF_OP(any) {
  auto dims = a.optInts(1);
  if (!dims) return wrap(a.env(), at::any(a.tensor(0)));
  return wrap(a.env(), reduceEach(a.tensor(0), *dims, a.boolean(2),
                                  [](const at::Tensor& t, int64_t d, bool k) { return at::any(t, d, k); }));
}
RLHF_OP(all) {
  auto dims = a.optInts(1);
  if (!dims) return wrap(a.env(), at::all(a.tensor(0)));
  return wrap(a.env(), reduceEach(a.tensor(0), *dims, a.boolean(2),
                                  [](const at::Tensor& t, int64_t d, bool k) { return at::all(t, d, k); }));
}
// norm(x, p, dims | null, keepdim)
RLHF_OP(norm) {
  auto dims = a.optInts(2);
  if (!dims) return wrap(a.env(), at::norm(a.tensor(0), a.scalar(1)));
  return wrap(a.env(), at::norm(a.tensor(0), a.scalar(1), *dims, a.boolean(3)));
}

static const OpDef ops[] = {
    RLHF_DEF(sum),    RLHF_DEF(mean),   RLHF_DEF(prod),      RLHF_DEF(var),    RLHF_DEF(std),
    RLHF_DEF(amax),   RLHF_DEF(amin),   RLHF_DEF(maxAll),    RLHF_DEF(minAll), RLHF_DEF(maxDim),
    RLHF_DEF(minDim), RLHF_DEF(argmax), RLHF_DEF(argmin),    RLHF_DEF(logsumexp), RLHF_DEF(cumsum),
    RLHF_DEF(cumprod), RLHF_DEF(any),   RLHF_DEF(all),       RLHF_DEF(norm),
};
RLHF_REGISTER(registerReduction, ops)

}  // namespace rlhf
