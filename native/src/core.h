// Shared plumbing of the addon: tensor handles and their lifetime accounting, argument
// reading with TypeErrors that name the op, and the op table that turns every c10::Error
// into a JS TorchError instead of aborting the process.
#pragma once

#include <napi.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <c10/util/Optional.h>
#include <string>
#include <vector>

#define RLHF_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace rlhf {

// One JS-visible reference to a tensor, kept in a slot table. JS holds an External whose
// "pointer" is the slot index and generation, with no N-API finalizer: finalizers are
// deferred to the event loop, so a long synchronous training loop would pile them up.
// Freeing a handle releases only this reference; the storage lives on while autograd or
// another handle still holds it.
struct Handle {
  at::Tensor tensor;
  uint32_t generation = 0;
  bool alive = false;
  // Bytes reported to V8 when the handle joined the GC safety net (0 if it never did).
  int64_t nettedBytes = 0;
};

// The live handle a JS value refers to, or nullptr (not a handle, or already freed).
Handle* lookup(const Napi::Value& value);

// Live handle count and the bytes of the distinct storages they reference.
struct MemoryStats {
  int64_t handles;
  int64_t bytes;
};
MemoryStats memoryStats();

Napi::Value wrap(Napi::Env env, at::Tensor tensor);
void release(Napi::Value handle);
// Lets go of JS buffers whose shared tensors were freed (must run on the JS thread).
void dropPendingBufferRefs(napi_env env);

// Reads the arguments of one op call; every failure is a TypeError naming the op.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), op_(op) {}

  Napi::Env env() const { return info_.Env(); }
  const Napi::CallbackInfo& info() const { return info_; }
  Napi::TypedArray typedArray(size_t i) const;
  const char* op() const { return op_; }
  size_t size() const { return info_.Length(); }
  bool isNullish(size_t i) const;
  bool isTensor(size_t i) const;

  Handle* handle(size_t i) const;
  const at::Tensor& tensor(size_t i) const;
  c10::optional<at::Tensor> optTensor(size_t i) const;
  std::vector<at::Tensor> tensors(size_t i) const;
  double number(size_t i) const;
  int64_t int64(size_t i) const;
  c10::optional<int64_t> optInt64(size_t i) const;
  c10::optional<double> optNumber(size_t i) const;
  bool boolean(size_t i) const;
  std::string string(size_t i) const;
  std::vector<int64_t> ints(size_t i) const;
  c10::optional<std::vector<int64_t>> optInts(size_t i) const;
  at::Scalar scalar(size_t i) const;
  at::ScalarType dtype(size_t i) const;
  c10::optional<at::ScalarType> optDtype(size_t i) const;
  at::Device device(size_t i) const;
  at::TensorOptions options(size_t dtypeIndex, size_t deviceIndex) const;

  [[noreturn]] void typeError(size_t i, const std::string& expected) const;

 private:
  const Napi::CallbackInfo& info_;
  const char* op_;
};

using OpFn = Napi::Value (*)(const Args&);

struct OpDef {
  const char* name;
  OpFn fn;
};

// Each op file fills the export object through one of these.
void registerOps(Napi::Env env, Napi::Object exports, const OpDef* defs, size_t count);

void registerCreation(Napi::Env env, Napi::Object exports);
void registerPointwise(Napi::Env env, Napi::Object exports);
void registerShape(Napi::Env env, Napi::Object exports);
void registerIndexing(Napi::Env env, Napi::Object exports);
void registerReduction(Napi::Env env, Napi::Object exports);
void registerNn(Napi::Env env, Napi::Object exports);
void registerAttention(Napi::Env env, Napi::Object exports);
void registerAutograd(Napi::Env env, Napi::Object exports);
void registerRuntime(Napi::Env env, Napi::Object exports);
void registerBench(Napi::Env env, Napi::Object exports);
void registerOptim(Napi::Env env, Napi::Object exports);
void registerFused(Napi::Env env, Napi::Object exports);
void registerSiluMul(Napi::Env env, Napi::Object exports);
void registerDecodeKernels(Napi::Env env, Napi::Object exports);
void registerRotary(Napi::Env env, Napi::Object exports);
void registerLmLoss(Napi::Env env, Napi::Object exports);
void registerLmTokenStats(Napi::Env env, Napi::Object exports);
void registerSafetensorsIo(Napi::Env env, Napi::Object exports);
void registerDistributed(Napi::Env env, Napi::Object exports);
void registerCpuMemory(Napi::Env env, Napi::Object exports);

// Whether libtorch autocast is on for a device type (the calling thread's state).
bool autocastEnabled(at::DeviceType d);
// Its dtype (meaningful while enabled).
at::ScalarType autocastDtypeOf(at::DeviceType d);

// Helpers for ops returning several tensors.
Napi::Value wrapAll(Napi::Env env, const std::vector<at::Tensor>& tensors);

}  // namespace rlhf

#define RLHF_OP(name) static Napi::Value name(const rlhf::Args& a)
#define RLHF_DEF(name) {#name, name}
#define RLHF_REGISTER(fnName, table)                                          \
  void fnName(Napi::Env env, Napi::Object exports) {                          \
    rlhf::registerOps(env, exports, table, sizeof(table) / sizeof(table[0])); \
  }
