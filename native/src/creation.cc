// Tensor creation, copies between JS memory and tensors, metadata and conversions.
#include <atomic>
#include <mutex>

#include "core.h"

namespace rlhf {

namespace {

// from_blob deleters may run on any thread, but N-API references may only be dropped on the
// JS thread, so released buffers wait here until the next shared creation.
std::mutex pendingMutex;
std::vector<napi_ref> pendingBufferRefs;
std::atomic<bool> anyPending{false};

}  // namespace

void dropPendingBufferRefs(napi_env env) {
  if (!anyPending.exchange(false)) return;
  std::vector<napi_ref> refs;
  {
    std::lock_guard<std::mutex> lock(pendingMutex);
    refs.swap(pendingBufferRefs);
  }
  for (napi_ref ref : refs) napi_delete_reference(env, ref);
}

namespace {

void* typedArrayData(const Napi::TypedArray& arr) {
  return static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
}

void checkByteLength(const Args& a, const Napi::TypedArray& arr, at::IntArrayRef shape, at::ScalarType dtype) {
  int64_t numel = c10::multiply_integers(shape);
  size_t expected = static_cast<size_t>(numel) * c10::elementSize(dtype);
  if (arr.ByteLength() != expected) {
    throw Napi::RangeError::New(a.env(), std::string(a.op()) + ": data holds " + std::to_string(arr.ByteLength()) +
                                             " bytes but shape " + c10::str(shape) + " of " + c10::toString(dtype) +
                                             " needs " + std::to_string(expected));
  }
}

}  // namespace

// fromTypedArray(array, shape, dtype): copies.
RLHF_OP(fromTypedArray) {
  auto arr = a.typedArray(0);
  auto shape = a.ints(1);
  auto dtype = a.dtype(2);
  checkByteLength(a, arr, shape, dtype);
  return wrap(a.env(), at::from_blob(typedArrayData(arr), shape, at::TensorOptions().dtype(dtype)).clone());
}

// shareTypedArray(array, shape, dtype): zero-copy; the tensor keeps the buffer alive.
RLHF_OP(shareTypedArray) {
  napi_env env = a.env();
  dropPendingBufferRefs(env);
  auto arr = a.typedArray(0);
  auto shape = a.ints(1);
  auto dtype = a.dtype(2);
  checkByteLength(a, arr, shape, dtype);
  if (reinterpret_cast<uintptr_t>(typedArrayData(arr)) % c10::elementSize(dtype) != 0) {
    throw Napi::RangeError::New(a.env(), std::string("shareTypedArray: the data starts at a byte offset that is not a multiple of ") +
                                             std::to_string(c10::elementSize(dtype)) + " (" + c10::toString(dtype) +
                                             "), so it cannot be shared; copy it with tensor() instead");
  }
  napi_ref ref;
  napi_create_reference(env, arr.ArrayBuffer(), 1, &ref);
  auto deleter = [ref](void*) {
    std::lock_guard<std::mutex> lock(pendingMutex);
    pendingBufferRefs.push_back(ref);
    anyPending = true;
  };
  return wrap(a.env(), at::from_blob(typedArrayData(arr), shape, deleter, at::TensorOptions().dtype(dtype)));
}

// toArrayBuffer(t): a copy of the contiguous CPU data.
RLHF_OP(toArrayBuffer) {
  at::Tensor t = a.tensor(0).detach().to(at::kCPU).contiguous();
  auto buf = Napi::ArrayBuffer::New(a.env(), t.nbytes());
  if (t.nbytes() > 0) std::memcpy(buf.Data(), t.data_ptr(), t.nbytes());
  return buf;
}

RLHF_OP(item) {
  const at::Tensor& t = a.tensor(0);
  if (t.numel() != 1) {
    throw Napi::Error::New(a.env(), std::string("item: only a tensor with one element has an item, got shape ") +
                                        c10::str(t.sizes()));
  }
  at::Scalar s = t.item();
  if (s.isBoolean()) return Napi::Boolean::New(a.env(), s.toBool());
  return Napi::Number::New(a.env(), s.toDouble());
}

RLHF_OP(scalarTensor) { return wrap(a.env(), at::scalar_tensor(a.scalar(0), a.options(1, 2))); }
RLHF_OP(zeros) { return wrap(a.env(), at::zeros(a.ints(0), a.options(1, 2))); }
RLHF_OP(ones) { return wrap(a.env(), at::ones(a.ints(0), a.options(1, 2))); }
RLHF_OP(empty) { return wrap(a.env(), at::empty(a.ints(0), a.options(1, 2))); }
RLHF_OP(full) { return wrap(a.env(), at::full(a.ints(0), a.scalar(1), a.options(2, 3))); }
RLHF_OP(arange) { return wrap(a.env(), at::arange(a.scalar(0), a.scalar(1), a.scalar(2), a.options(3, 4))); }
RLHF_OP(linspace) { return wrap(a.env(), at::linspace(a.scalar(0), a.scalar(1), a.int64(2), a.options(3, 4))); }
RLHF_OP(eye) { return wrap(a.env(), at::eye(a.int64(0), a.int64(1), a.options(2, 3))); }
RLHF_OP(rand) { return wrap(a.env(), at::rand(a.ints(0), a.options(1, 2))); }
RLHF_OP(randn) { return wrap(a.env(), at::randn(a.ints(0), a.options(1, 2))); }
RLHF_OP(randint) { return wrap(a.env(), at::randint(a.int64(0), a.int64(1), a.ints(2), a.options(3, 4))); }

static at::TensorOptions likeOptions(const Args& a, size_t dtypeIndex) {
  auto opts = a.tensor(0).options();
  if (auto dt = a.optDtype(dtypeIndex)) opts = opts.dtype(*dt);
  return opts.requires_grad(false);
}
RLHF_OP(zerosLike) { return wrap(a.env(), at::zeros_like(a.tensor(0), likeOptions(a, 1))); }
RLHF_OP(onesLike) { return wrap(a.env(), at::ones_like(a.tensor(0), likeOptions(a, 1))); }
RLHF_OP(emptyLike) { return wrap(a.env(), at::empty_like(a.tensor(0), likeOptions(a, 1))); }
RLHF_OP(fullLike) { return wrap(a.env(), at::full_like(a.tensor(0), a.scalar(1), likeOptions(a, 2))); }
RLHF_OP(randLike) { return wrap(a.env(), at::rand_like(a.tensor(0), likeOptions(a, 1))); }
RLHF_OP(randnLike) { return wrap(a.env(), at::randn_like(a.tensor(0), likeOptions(a, 1))); }

// Metadata
RLHF_OP(shape) {
  auto sizes = a.tensor(0).sizes();
  auto arr = Napi::Array::New(a.env(), sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) arr.Set(i, Napi::Number::New(a.env(), static_cast<double>(sizes[i])));
  return arr;
}
RLHF_OP(strides) {
  auto strides = a.tensor(0).strides();
  auto arr = Napi::Array::New(a.env(), strides.size());
  for (size_t i = 0; i < strides.size(); i++) arr.Set(i, Napi::Number::New(a.env(), static_cast<double>(strides[i])));
  return arr;
}
RLHF_OP(dtype) { return Napi::Number::New(a.env(), static_cast<int>(a.tensor(0).scalar_type())); }
RLHF_OP(device) { return Napi::String::New(a.env(), a.tensor(0).device().str()); }
RLHF_OP(isContiguous) { return Napi::Boolean::New(a.env(), a.tensor(0).is_contiguous()); }
RLHF_OP(dataPtr) { return Napi::Number::New(a.env(), static_cast<double>(reinterpret_cast<uintptr_t>(a.tensor(0).data_ptr()))); }

// Conversions
RLHF_OP(toDtype) { return wrap(a.env(), a.tensor(0).to(a.dtype(1))); }
RLHF_OP(toDevice) { return wrap(a.env(), a.tensor(0).to(a.device(1))); }
RLHF_OP(clone) { return wrap(a.env(), a.tensor(0).clone()); }
RLHF_OP(contiguous) { return wrap(a.env(), a.tensor(0).contiguous()); }
RLHF_OP(copy_) {
  a.tensor(0).copy_(a.tensor(1));
  return a.env().Undefined();
}
RLHF_OP(alias) { return wrap(a.env(), a.tensor(0)); }
// setData(t, src): t now holds src's storage (device, dtype) and keeps its identity, autograd leaf
// status and every handle to it: torch's `param.data = src`, which Module.to is built on.
RLHF_OP(setData) {
  a.tensor(0).set_data(a.tensor(1));
  return a.env().Undefined();
}

static const OpDef ops[] = {
    RLHF_DEF(fromTypedArray), RLHF_DEF(shareTypedArray), RLHF_DEF(toArrayBuffer), RLHF_DEF(item),
    RLHF_DEF(scalarTensor),   RLHF_DEF(zeros),           RLHF_DEF(ones),          RLHF_DEF(empty),
    RLHF_DEF(full),           RLHF_DEF(arange),          RLHF_DEF(linspace),      RLHF_DEF(eye),
    RLHF_DEF(rand),           RLHF_DEF(randn),           RLHF_DEF(randint),       RLHF_DEF(zerosLike),
    RLHF_DEF(onesLike),       RLHF_DEF(emptyLike),       RLHF_DEF(fullLike),      RLHF_DEF(randLike),
    RLHF_DEF(randnLike),      RLHF_DEF(shape),           RLHF_DEF(strides),       RLHF_DEF(dtype),
    RLHF_DEF(device),         RLHF_DEF(isContiguous),    RLHF_DEF(dataPtr),       RLHF_DEF(toDtype),
    RLHF_DEF(toDevice),       RLHF_DEF(clone),           RLHF_DEF(contiguous),    RLHF_DEF(copy_),
    RLHF_DEF(alias),          RLHF_DEF(setData),
};
RLHF_REGISTER(registerCreation, ops)

}  // namespace rlhf
