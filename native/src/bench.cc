// Native reference loops for `npm run bench -- core`: the same work as the TS API, timed
// from C++ with no JS in between, so the ratio shows what the binding costs.
#include <torch/csrc/autograd/profiler_legacy.h>

#include <chrono>
#include <memory>

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

namespace {
std::unique_ptr<torch::autograd::profiler::RecordProfile> activeProfile;
}  // namespace

// profileStart(path): libtorch's profiler records every op until profileStop, which writes
// a Chrome trace (chrome://tracing, Perfetto) to path. For finding where a step's time goes.
RLHF_OP(profileStart) {
  activeProfile.reset();
  activeProfile = std::make_unique<torch::autograd::profiler::RecordProfile>(a.string(0));
  return a.env().Undefined();
}
RLHF_OP(profileStop) {
  activeProfile.reset();
  return a.env().Undefined();
}

static const OpDef ops[] = {RLHF_DEF(benchMatmul), RLHF_DEF(benchAdd), RLHF_DEF(profileStart), RLHF_DEF(profileStop)};
RLHF_REGISTER(registerBench, ops)

}  // namespace rlhf
