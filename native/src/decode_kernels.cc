// The switch of the decoding-step kernels (skinny_linear.cc, decode_attention.cc) and what this
// CPU can run of them.
#include "core.h"
#include "cpu_features.h"

namespace rlhf {

namespace {
bool decodeKernels = false;
}

bool decodeKernelsOn() { return decodeKernels; }

// setDecodeKernels(on) -> the previous setting.
RLHF_OP(setDecodeKernels) {
  const bool previous = decodeKernels;
  decodeKernels = a.boolean(0);
  return Napi::Boolean::New(a.env(), previous);
}
// decodeKernelSupport() -> { float32, bfloat16 }: the dtypes this CPU runs through the kernels.
RLHF_OP(decodeKernelSupport) {
  Napi::Object o = Napi::Object::New(a.env());
  o.Set("float32", Napi::Boolean::New(a.env(), cpuHasAvx512()));
  o.Set("bfloat16", Napi::Boolean::New(a.env(), cpuHasAvx512Bf16()));
  return o;
}

static const OpDef ops[] = {RLHF_DEF(setDecodeKernels), RLHF_DEF(decodeKernelSupport)};
RLHF_REGISTER(registerDecodeKernels, ops)

}  // namespace rlhf
