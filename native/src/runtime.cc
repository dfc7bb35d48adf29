// Process-wide state: random generators, threads, devices, autocast, build information.
#include <ATen/autocast_mode.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#include <torch/cuda.h>

#include "core.h"

namespace rlhf {

RLHF_OP(manualSeed) {
  torch::manual_seed(static_cast<uint64_t>(a.int64(0)));
  return a.env().Undefined();
}

static at::Generator generatorFor(const Args& a, size_t i) {
  at::Device device = a.device(i);
  if (device.is_cpu()) return at::detail::getDefaultCPUGenerator();
  return at::globalContext().defaultGenerator(device);
}

// getRngState(device) -> uint8 tensor, the generator's full state.
RLHF_OP(getRngState) {
  at::Generator gen = generatorFor(a, 0);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrap(a.env(), gen.get_state());
}
RLHF_OP(setRngState) {
  at::Generator gen = generatorFor(a, 1);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(a.tensor(0));
  return a.env().Undefined();
}

RLHF_OP(getNumThreads) { return Napi::Number::New(a.env(), at::get_num_threads()); }
RLHF_OP(setNumThreads) {
  int64_t n = a.int64(0);
  if (n < 1) throw Napi::RangeError::New(a.env(), "setNumThreads: the thread count must be at least 1, got " + std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
#ifdef _OPENMP
  // The addon's own parallel loops run on the OpenMP runtime it was linked with; where that is not
  // libtorch's (an official libtorch bundles a renamed libgomp), it needs the count too.
  omp_set_num_threads(static_cast<int>(n));
#endif
  return a.env().Undefined();
}

RLHF_OP(cudaIsAvailable) { return Napi::Boolean::New(a.env(), torch::cuda::is_available()); }
RLHF_OP(cudaDeviceCount) { return Napi::Number::New(a.env(), static_cast<double>(torch::cuda::device_count())); }
RLHF_OP(cudaSynchronize) {
  if (torch::cuda::is_available()) torch::cuda::synchronize();
  return a.env().Undefined();
}

namespace {
at::DeviceType autocastDevice(const Args& a, size_t i) {
  std::string name = a.string(i);
  if (name == "cpu") return at::kCPU;
  if (name == "cuda") return at::kCUDA;
  a.typeError(i, "'cpu' or 'cuda'");
}
void setAutocast(at::DeviceType d, bool enabled, at::ScalarType dtype) {
#if RLHF_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(d, enabled);
  at::autocast::set_autocast_dtype(d, dtype);
#else
  if (d == at::kCPU) {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  } else {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  }
#endif
}
}  // namespace

at::ScalarType autocastDtypeOf(at::DeviceType d) {
#if RLHF_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(d);
#else
  return d == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
#endif
}

bool autocastEnabled(at::DeviceType d) {
#if RLHF_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(d);
#else
  return d == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}

// autocastEnter(device, dtype) -> [previousEnabled, previousDtype]
RLHF_OP(autocastEnter) {
  at::DeviceType d = autocastDevice(a, 0);
  at::ScalarType dtype = a.dtype(1);
  auto prev = Napi::Array::New(a.env(), 2);
  prev.Set(0u, Napi::Boolean::New(a.env(), autocastEnabled(d)));
  prev.Set(1u, Napi::Number::New(a.env(), static_cast<int>(autocastDtypeOf(d))));
  setAutocast(d, true, dtype);
  at::autocast::increment_nesting();
  return prev;
}
// autocastExit(device, previousEnabled, previousDtype)
RLHF_OP(autocastExit) {
  at::DeviceType d = autocastDevice(a, 0);
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  setAutocast(d, a.boolean(1), a.dtype(2));
  return a.env().Undefined();
}

RLHF_OP(buildInfo) {
  auto out = Napi::Object::New(a.env());
  out.Set("torchVersion", Napi::String::New(a.env(), TORCH_VERSION));
  out.Set("config", Napi::String::New(a.env(), at::show_config()));
  out.Set("cuda", Napi::Boolean::New(a.env(), torch::cuda::is_available()));
  out.Set("fusedAttention", Napi::Boolean::New(a.env(), RLHF_TORCH_AT_LEAST(2, 1)));
  return out;
}

static const OpDef ops[] = {
    RLHF_DEF(manualSeed),      RLHF_DEF(getRngState),     RLHF_DEF(setRngState),   RLHF_DEF(getNumThreads),
    RLHF_DEF(setNumThreads),   RLHF_DEF(cudaIsAvailable), RLHF_DEF(cudaDeviceCount), RLHF_DEF(cudaSynchronize),
    RLHF_DEF(autocastEnter),   RLHF_DEF(autocastExit),    RLHF_DEF(buildInfo),
};
RLHF_REGISTER(registerRuntime, ops)

}  // namespace rlhf
