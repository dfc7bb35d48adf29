// Accounting of CPU tensor memory: the addon installs, as libtorch's CPU allocator, one that
// allocates as the default does (c10::alloc_cpu, 64-byte aligned) and counts the bytes of live
// CPU tensor storage and their peak.
// Activations that only autograd holds, optimizer state and temporaries inside ops all count,
// as torch.cuda.memory_allocated / max_memory_allocated count on a GPU, so a run can cap and
// report its tensor memory exactly (RSS also holds what the C allocator keeps after frees).
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <atomic>
#include <cstring>

#include "core.h"

namespace rlhf {

namespace {

// libtorch made Allocator::allocate non-const in 2.3.
#if RLHF_TORCH_AT_LEAST(2, 3)
#define RLHF_ALLOCATE_CONST
#else
#define RLHF_ALLOCATE_CONST const
#endif

std::atomic<int64_t> currentBytes{0};
std::atomic<int64_t> peakBytes{0};

// Each block carries its size in a 64-byte header before the data (which keeps the data 64-byte
// aligned, as libtorch's allocator does), so the data pointer is also the context: "simple"
// pointers, as raw_allocate users (oneDNN's scratch buffers) require.
constexpr size_t kHeader = 64;

void releaseBlock(void* data) {
  if (data == nullptr) return;
  void* base = static_cast<char*>(data) - kHeader;
  currentBytes.fetch_sub(static_cast<int64_t>(*static_cast<size_t*>(base)));
  c10::free_cpu(base);
}

class CountingAllocator final : public at::Allocator {
 public:
  at::DataPtr allocate(size_t n) RLHF_ALLOCATE_CONST override {
    const at::Device device(at::kCPU);
    if (n == 0) return at::DataPtr(nullptr, nullptr, &releaseBlock, device);
    void* base = c10::alloc_cpu(n + kHeader);
    *static_cast<size_t*>(base) = n;
    void* data = static_cast<char*>(base) + kHeader;
    int64_t now = currentBytes.fetch_add(static_cast<int64_t>(n)) + static_cast<int64_t>(n);
    int64_t peak = peakBytes.load();
    while (now > peak && !peakBytes.compare_exchange_weak(peak, now)) {
    }
    return at::DataPtr(data, data, &releaseBlock, device);
  }

  at::DeleterFnPtr raw_deleter() const override { return &releaseBlock; }

#if RLHF_TORCH_AT_LEAST(2, 0)
  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
#endif
};

CountingAllocator* counting() {
  // Never destroyed: tensors freed at exit still call back into it.
  static CountingAllocator* allocator = [] {
    auto* a = new CountingAllocator();
    c10::SetCPUAllocator(a, /*priority=*/1);
    return a;
  }();
  return allocator;
}

}  // namespace

// cpuMemory() -> {allocated, peak}: bytes of live CPU tensor storage now, and the most since
// the last resetCpuMemoryPeak().
RLHF_OP(cpuMemory) {
  auto out = Napi::Object::New(a.env());
  counting();
  out.Set("allocated", Napi::Number::New(a.env(), static_cast<double>(currentBytes.load())));
  out.Set("peak", Napi::Number::New(a.env(), static_cast<double>(peakBytes.load())));
  return out;
}

RLHF_OP(resetCpuMemoryPeak) {
  peakBytes.store(currentBytes.load());
  return a.env().Undefined();
}

static const OpDef ops[] = {RLHF_DEF(cpuMemory), RLHF_DEF(resetCpuMemoryPeak)};

void registerCpuMemory(Napi::Env env, Napi::Object exports) {
  counting();  // installed before the first tensor, so every CPU allocation is counted
  registerOps(env, exports, ops, sizeof(ops) / sizeof(ops[0]));
}

}  // namespace rlhf
