// Handle lifetime, memory accounting, argument reading and error conversion.
#include "core.h"

#include <deque>
#include <sstream>
#include <unordered_map>

namespace rlhf {

namespace {

struct StorageUse {
  int64_t refs;
  int64_t bytes;
};

// Distinct storages referenced by live handles, so views are not counted twice.
std::unordered_map<const void*, StorageUse> storages;
int64_t liveHandles = 0;
int64_t liveBytes = 0;
// Change in netted bytes since V8 was last told. Only tensors on the GC safety net are
// reported: scope-held ones are freed by their scope, and reporting them would make V8 run
// full collections (several per forward pass) that free nothing.
int64_t pendingExternalDelta = 0;
constexpr int64_t kReportThreshold = 1 << 20;
// V8's external-memory total as napi_adjust_external_memory last returned it.
int64_t v8ExternalMemory = 0;

Napi::FunctionReference* errorClass = nullptr;

// A deque keeps references to slots stable while new ones are appended.
std::deque<Handle> slots;
std::vector<uint32_t> freeSlots;

uintptr_t pack(uint32_t index, uint32_t generation) {
  return (static_cast<uintptr_t>(generation) << 32) | index;
}

const void* storageKey(const at::Tensor& t) {
  return t.defined() && t.has_storage() ? t.storage().unsafeGetStorageImpl() : nullptr;
}

int64_t track(const at::Tensor& t) {
  liveHandles++;
  const void* key = storageKey(t);
  if (key == nullptr) return 0;
  auto [it, inserted] = storages.try_emplace(key, StorageUse{0, static_cast<int64_t>(t.storage().nbytes())});
  it->second.refs++;
  if (!inserted) return 0;
  liveBytes += it->second.bytes;
  return it->second.bytes;
}

void untrack(const at::Tensor& t) {
  liveHandles--;
  auto it = storages.find(storageKey(t));
  if (it == storages.end()) return;
  if (--it->second.refs == 0) {
    liveBytes -= it->second.bytes;
    storages.erase(it);
  }
}

// The dtype names of the TS API, so messages match what users wrote.
const char* dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

std::string describeArgs(const Napi::CallbackInfo& info) {
  std::ostringstream out;
  bool first = true;
  for (size_t i = 0; i < info.Length(); i++) {
    Handle* h = lookup(info[i]);
    if (h == nullptr || !h->tensor.defined()) continue;
    out << (first ? "" : ", ") << h->tensor.sizes() << " " << dtypeName(h->tensor.scalar_type());
    if (!h->tensor.device().is_cpu()) out << " " << h->tensor.device();
    first = false;
  }
  return out.str();
}

[[noreturn]] void throwTorchError(const Napi::CallbackInfo& info, const char* op, const std::string& message) {
  Napi::Env env = info.Env();
  std::string inputs = describeArgs(info);
  if (errorClass == nullptr) throw Napi::Error::New(env, std::string(op) + ": " + message);
  Napi::Value err = errorClass->New({Napi::String::New(env, message), Napi::String::New(env, op), Napi::String::New(env, inputs)});
  throw Napi::Error(env, err);
}

Napi::Value dispatch(const Napi::CallbackInfo& info) {
  auto* def = static_cast<const OpDef*>(info.Data());
  try {
    return def->fn(Args(info, def->name));
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throwTorchError(info, def->name, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throwTorchError(info, def->name, e.what());
  }
}

}  // namespace

MemoryStats memoryStats() { return {liveHandles, liveBytes}; }

Napi::Value wrap(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  uint32_t index;
  if (freeSlots.empty()) {
    index = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  } else {
    index = freeSlots.back();
    freeSlots.pop_back();
  }
  Handle& h = slots[index];
  h.tensor = std::move(tensor);
  h.alive = true;
  track(h.tensor);
  return Napi::External<void>::New(env, reinterpret_cast<void*>(pack(index, h.generation)));
}

namespace {
// Small changes are batched: V8 only needs the trend, and each report costs a call.
void reportExternal(Napi::Env env) {
  if (pendingExternalDelta >= kReportThreshold || pendingExternalDelta <= -kReportThreshold) {
    napi_adjust_external_memory(env, pendingExternalDelta, &v8ExternalMemory);
    pendingExternalDelta = 0;
  }
}

// The slot index a JS handle names, or -1 when it names no live handle.
int64_t slotOf(const Napi::Value& value) {
  if (!value.IsExternal()) return -1;
  auto packed = reinterpret_cast<uintptr_t>(value.As<Napi::External<void>>().Data());
  auto index = static_cast<uint32_t>(packed & 0xffffffffu);
  auto generation = static_cast<uint32_t>(packed >> 32);
  if (index >= slots.size()) return -1;
  const Handle& h = slots[index];
  return h.alive && h.generation == generation ? static_cast<int64_t>(index) : -1;
}
}  // namespace

Handle* lookup(const Napi::Value& value) {
  int64_t index = slotOf(value);
  return index < 0 ? nullptr : &slots[static_cast<size_t>(index)];
}

void release(Napi::Value value) {
  int64_t index = slotOf(value);
  if (index < 0) return;
  Handle& h = slots[static_cast<size_t>(index)];
  untrack(h.tensor);
  pendingExternalDelta -= h.nettedBytes;
  h.nettedBytes = 0;
  h.tensor = at::Tensor();
  h.alive = false;
  h.generation++;
  freeSlots.push_back(static_cast<uint32_t>(index));
}

Napi::Value wrapAll(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  auto arr = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); i++) arr.Set(i, wrap(env, tensors[i]));
  return arr;
}

void registerOps(Napi::Env env, Napi::Object exports, const OpDef* defs, size_t count) {
  for (size_t i = 0; i < count; i++) {
    exports.Set(defs[i].name, Napi::Function::New(env, dispatch, defs[i].name, const_cast<OpDef*>(&defs[i])));
  }
}

// ---------------------------------------------------------------------------------------
// Args

void Args::typeError(size_t i, const std::string& expected) const {
  std::string got = "nothing";
  if (i < info_.Length()) {
    Napi::Value v = info_[i];
    if (v.IsExternal()) got = "a tensor";
    else if (v.IsArray()) got = "an array";
    else if (v.IsNull()) got = "null";
    else if (v.IsUndefined()) got = "undefined";
    else if (v.IsString()) got = "'" + v.As<Napi::String>().Utf8Value() + "'";
    else if (v.IsNumber() || v.IsBoolean()) got = v.ToString().Utf8Value();
    else got = "an object";
  }
  throw Napi::TypeError::New(env(), std::string(op_) + ": argument " + std::to_string(i) + " must be " + expected +
                                        ", got " + got);
}

bool Args::isNullish(size_t i) const { return i >= info_.Length() || info_[i].IsNull() || info_[i].IsUndefined(); }

bool Args::isTensor(size_t i) const { return i < info_.Length() && info_[i].IsExternal(); }

Handle* Args::handle(size_t i) const {
  if (!isTensor(i)) typeError(i, "a tensor");
  Handle* h = lookup(info_[i]);
  if (h == nullptr) {
    throw Napi::Error::New(env(), std::string(op_) + ": argument " + std::to_string(i) +
                                      " is a disposed tensor (it was freed by dispose() or by the tidy() scope it was made in)");
  }
  return h;
}

const at::Tensor& Args::tensor(size_t i) const { return handle(i)->tensor; }

c10::optional<at::Tensor> Args::optTensor(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return tensor(i);
}

std::vector<at::Tensor> Args::tensors(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsArray()) typeError(i, "an array of tensors");
  auto arr = info_[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    if (!v.IsExternal()) typeError(i, "an array of tensors");
    Handle* h = lookup(v);
    if (h == nullptr) typeError(i, "an array of live tensors (element " + std::to_string(k) + " was disposed)");
    out.push_back(h->tensor);
  }
  return out;
}

Napi::TypedArray Args::typedArray(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsTypedArray()) typeError(i, "a TypedArray");
  return info_[i].As<Napi::TypedArray>();
}

double Args::number(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsNumber()) typeError(i, "a number");
  return info_[i].As<Napi::Number>().DoubleValue();
}

int64_t Args::int64(size_t i) const {
  if (i < info_.Length() && info_[i].IsBigInt()) {
    bool lossless;
    return info_[i].As<Napi::BigInt>().Int64Value(&lossless);
  }
  double v = number(i);
  if (v != static_cast<double>(static_cast<int64_t>(v))) typeError(i, "an integer");
  return static_cast<int64_t>(v);
}

c10::optional<int64_t> Args::optInt64(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return int64(i);
}

c10::optional<double> Args::optNumber(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return number(i);
}

bool Args::boolean(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsBoolean()) typeError(i, "a boolean");
  return info_[i].As<Napi::Boolean>().Value();
}

std::string Args::string(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsString()) typeError(i, "a string");
  return info_[i].As<Napi::String>().Utf8Value();
}

std::vector<int64_t> Args::ints(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsArray()) typeError(i, "an array of integers");
  auto arr = info_[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    if (!v.IsNumber()) typeError(i, "an array of integers");
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) typeError(i, "an array of integers");
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

c10::optional<std::vector<int64_t>> Args::optInts(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return ints(i);
}

at::Scalar Args::scalar(size_t i) const {
  if (i < info_.Length() && info_[i].IsBoolean()) return at::Scalar(info_[i].As<Napi::Boolean>().Value());
  if (i < info_.Length() && info_[i].IsBigInt()) return at::Scalar(int64(i));
  double v = number(i);
  // Integral JS numbers become integer scalars so int tensors stay int (as in Python).
  if (std::isfinite(v) && v == static_cast<double>(static_cast<int64_t>(v)) && std::abs(v) < 9007199254740992.0) {
    return at::Scalar(static_cast<int64_t>(v));
  }
  return at::Scalar(v);
}

at::ScalarType Args::dtype(size_t i) const {
  int64_t code = int64(i);
  if (code < 0 || code >= static_cast<int64_t>(at::ScalarType::NumOptions)) typeError(i, "a dtype code");
  return static_cast<at::ScalarType>(code);
}

c10::optional<at::ScalarType> Args::optDtype(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return dtype(i);
}

at::Device Args::device(size_t i) const {
  if (isNullish(i)) return at::Device(at::kCPU);
  return at::Device(string(i));
}

at::TensorOptions Args::options(size_t dtypeIndex, size_t deviceIndex) const {
  auto opts = at::TensorOptions().device(device(deviceIndex));
  if (auto dt = optDtype(dtypeIndex)) opts = opts.dtype(*dt);
  return opts;
}

// ---------------------------------------------------------------------------------------
// Module entry

static Napi::Value setErrorClass(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "setErrorClass: expected a class");
  delete errorClass;
  errorClass = new Napi::FunctionReference(Napi::Persistent(info[0].As<Napi::Function>()));
  return info.Env().Undefined();
}

static Napi::Value dispose(const Napi::CallbackInfo& info) {
  if (info.Length() >= 1) release(info[0]);
  dropPendingBufferRefs(info.Env());
  reportExternal(info.Env());
  return info.Env().Undefined();
}

// A tensor handed to the GC safety net: its bytes count towards V8's external memory, so
// the collector runs sooner when unreachable tensors pile up.
static Napi::Value netted(const Napi::CallbackInfo& info) {
  Handle* h = info.Length() >= 1 ? lookup(info[0]) : nullptr;
  if (h != nullptr && h->nettedBytes == 0 && h->tensor.has_storage()) {
    h->nettedBytes = static_cast<int64_t>(h->tensor.storage().nbytes());
    pendingExternalDelta += h->nettedBytes;
    reportExternal(info.Env());
  }
  return info.Env().Undefined();
}

static Napi::Value isAlive(const Napi::CallbackInfo& info) {
  bool alive = info.Length() >= 1 && lookup(info[0]) != nullptr;
  return Napi::Boolean::New(info.Env(), alive);
}

static Napi::Value memory(const Napi::CallbackInfo& info) {
  auto stats = memoryStats();
  auto out = Napi::Object::New(info.Env());
  out.Set("numTensors", Napi::Number::New(info.Env(), static_cast<double>(stats.handles)));
  out.Set("numBytes", Napi::Number::New(info.Env(), static_cast<double>(stats.bytes)));
  out.Set("v8ExternalBytes", Napi::Number::New(info.Env(), static_cast<double>(v8ExternalMemory)));
  return out;
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  registerCpuMemory(env, exports);  // first: the counting CPU allocator must see every tensor
  exports.Set("setErrorClass", Napi::Function::New(env, setErrorClass, "setErrorClass"));
  exports.Set("dispose", Napi::Function::New(env, dispose, "dispose"));
  exports.Set("netted", Napi::Function::New(env, netted, "netted"));
  exports.Set("isAlive", Napi::Function::New(env, isAlive, "isAlive"));
  exports.Set("memory", Napi::Function::New(env, memory, "memory"));
  registerCreation(env, exports);
  registerPointwise(env, exports);
  registerShape(env, exports);
  registerIndexing(env, exports);
  registerReduction(env, exports);
  registerNn(env, exports);
  registerAttention(env, exports);
  registerAutograd(env, exports);
  registerRuntime(env, exports);
  registerBench(env, exports);
  registerOptim(env, exports);
  registerFused(env, exports);
  registerSiluMul(env, exports);
  registerDecodeKernels(env, exports);
  registerRotary(env, exports);
  registerLmLoss(env, exports);
  registerLmTokenStats(env, exports);
  registerSafetensorsIo(env, exports);
  registerDistributed(env, exports);
  return exports;
}

}  // namespace rlhf

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return rlhf::init(env, exports); }
NODE_API_MODULE(rlhf_torch, Init)
