// Native reference loops for `npm run bench -- core`: the same work as the TS API, timed
// from C++ with no JS in between, so the ratio shows what the binding costs.
#include <chrono>

#include "core.h"

namespace rlhf {

namespace {
template <typename Fn>
double timeLoop(int64_t iters, Fn fn) {
  auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iters; i++) fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

// benchMatmul(a, b, iters) -> seconds for iters of a @ b.
RLHF_OP(benchMatmul) {
  const at::Tensor& x = a.tensor(0);
  const at::Tensor& y = a.tensor(1);
  at::NoGradGuard noGrad;
  return Napi::Number::New(a.env(), timeLoop(a.int64(2), [&] { at::mm(x, y); }));
}
// benchAdd(a, b, iters) -> seconds for iters of a + b.
RLHF_OP(benchAdd) {
  const at::Tensor& x = a.tensor(0);
  const at::Tensor& y = a.tensor(1);
  at::NoGradGuard noGrad;
  return Napi::Number::New(a.env(), timeLoop(a.int64(2), [&] { at::add(x, y); }));
}

static const OpDef ops[] = {RLHF_DEF(benchMatmul), RLHF_DEF(benchAdd)};
RLHF_REGISTER(registerBench, ops)

}  // namespace rlhf
