// Reading safetensors tensor data straight into tensor memory (the header is parsed in TS).
//
// A tensor whose target dtype is the file's and whose bytes are aligned to its element size is
// a view of a MAP_PRIVATE mapping of the file, as Python safetensors/transformers load: nothing
// is read until a page is touched, training may write the tensor (the written page becomes
// private memory, the file never changes), and a file replaced by an atomic rename keeps its
// old contents alive in the mapping. Every other tensor gets its own allocation in the target
// dtype: a conversion reads the mapping chunk by chunk and releases each chunk's pages once
// converted (so a float32 file loads as bfloat16 without ever holding the float32 data); with
// mmap off, or for an unaligned tensor, chunks are pread (through a small bounce buffer when the
// dtype changes). The chunks of all files are read in parallel. Tensors not asked for are never read.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

#include "core.h"

namespace rlhf {

namespace {

// Chunk of one tensor's bytes read (and converted) as one unit of parallel work; a multiple of
// every element size, so a chunk never splits an element.
constexpr int64_t kChunkBytes = 8 << 20;

struct TensorRequest {
  at::ScalarType fileType;
  at::ScalarType target;
  std::vector<int64_t> shape;
  int64_t begin;  // from the start of the data section
  int64_t end;
};

struct FileRequest {
  std::string path;
  int64_t dataStart;
  std::vector<TensorRequest> tensors;
};

// A failure tied to the file and tensor it happened in (indices into the request).
struct LoadFailure {
  size_t file;
  size_t tensor;  // SIZE_MAX: the file as a whole
  std::string message;
};

// A read-only file mapping shared by every tensor made from it; unmapped with the last one.
struct Mapping {
  void* base = MAP_FAILED;
  size_t length = 0;
  ~Mapping() {
    if (base != MAP_FAILED) munmap(base, length);
  }
};

struct OpenFile {
  int fd = -1;
  int64_t size = 0;
  std::shared_ptr<Mapping> mapping;  // made on first use
  ~OpenFile() {
    if (fd >= 0) close(fd);
  }
};

// One chunk of one tensor to read: file bytes [offset, offset + bytes) land at element `first`.
struct Chunk {
  size_t file;
  size_t tensor;
  int64_t offset;  // absolute position in the file
  int64_t bytes;
  at::Tensor out;  // the whole tensor, flattened
  int64_t first;   // element index in `out`
  // The bytes in the file's mapping, when they are converted from there (else they are pread).
  const uint8_t* mapped;
};

constexpr uintptr_t kPageBytes = 4096;

// Releases the whole pages of [p, p + bytes) of a mapping that were only read: the process
// drops them, the page cache keeps them, so converting a file never holds all of it resident.
void dropPages(const uint8_t* p, int64_t bytes) {
  uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kPageBytes - 1) & ~(kPageBytes - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(p) + static_cast<uintptr_t>(bytes)) & ~(kPageBytes - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

std::string errnoText(int err) { return std::string(std::strerror(err)); }

// The mapping of `f` (the whole file), or null when the file cannot be mapped (then it is read).
std::shared_ptr<Mapping> mappingOf(OpenFile& f) {
  if (f.mapping) return f.mapping;
  if (f.size == 0) return nullptr;
  auto m = std::make_shared<Mapping>();
  // PROT_WRITE with MAP_PRIVATE: a write copies the page privately; MAP_NORESERVE: no commit
  // charge for pages that are never written.
  m->base = mmap(nullptr, static_cast<size_t>(f.size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, f.fd, 0);
  if (m->base == MAP_FAILED) return nullptr;
  m->length = static_cast<size_t>(f.size);
  f.mapping = m;
  return m;
}

// Reads exactly `bytes` at `offset`; a short file is an error that says so.
void preadExactly(int fd, void* dst, int64_t bytes, int64_t offset, std::string* error) {
  auto* p = static_cast<uint8_t*>(dst);
  int64_t done = 0;
  while (done < bytes) {
    ssize_t got = pread(fd, p + done, static_cast<size_t>(bytes - done), offset + done);
    if (got < 0) {
      if (errno == EINTR) continue;
      *error = "read failed at byte " + std::to_string(offset + done) + ": " + errnoText(errno);
      return;
    }
    if (got == 0) {
      *error = "file ended at byte " + std::to_string(offset + done) + " while reading (truncated?)";
      return;
    }
    done += got;
  }
}

// Reads one chunk into its tensor, converting through `bounce` when the dtypes differ.
void readChunk(const Chunk& c, const FileRequest& req, int fd, std::vector<uint8_t>& bounce, std::string* error) {
  const TensorRequest& t = req.tensors[c.tensor];
  if (t.fileType == t.target) {
    auto* dst = static_cast<uint8_t*>(c.out.data_ptr()) + c.first * c10::elementSize(t.target);
    preadExactly(fd, dst, c.bytes, c.offset, error);
    return;
  }
  int64_t count = c.bytes / static_cast<int64_t>(c10::elementSize(t.fileType));
  auto fileOptions = at::TensorOptions().dtype(t.fileType);
  if (c.mapped != nullptr) {
    // libtorch's own conversion, so the values equal loading then calling .to(dtype).
    c.out.narrow(0, c.first, count).copy_(at::from_blob(const_cast<uint8_t*>(c.mapped), {count}, fileOptions));
    dropPages(c.mapped, c.bytes);
    return;
  }
  if (bounce.size() < static_cast<size_t>(c.bytes)) bounce.resize(static_cast<size_t>(kChunkBytes));
  preadExactly(fd, bounce.data(), c.bytes, c.offset, error);
  if (!error->empty()) return;
  c.out.narrow(0, c.first, count).copy_(at::from_blob(bounce.data(), {count}, fileOptions));
}

class Loader {
 public:
  Loader(std::vector<FileRequest> requests, bool useMmap) : requests_(std::move(requests)), useMmap_(useMmap) {}

  // Tensors per file, in request order; throws LoadFailure.
  std::vector<std::vector<at::Tensor>> run() {
    files_.resize(requests_.size());
    std::vector<std::vector<at::Tensor>> out(requests_.size());
    std::vector<Chunk> chunks;
    for (size_t fi = 0; fi < requests_.size(); fi++) {
      const FileRequest& req = requests_[fi];
      if (req.tensors.empty()) continue;
      open(fi);
      for (size_t ti = 0; ti < req.tensors.size(); ti++) out[fi].push_back(place(fi, ti, chunks));
    }
    readAll(chunks);
    return out;
  }

  int64_t bytesRead() const { return bytesRead_; }
  int64_t tensorsMapped() const { return tensorsMapped_; }

 private:
  void open(size_t fi) {
    OpenFile& f = files_[fi];
    f.fd = ::open(requests_[fi].path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) throw LoadFailure{fi, SIZE_MAX, "cannot open: " + errnoText(errno)};
    struct stat st;
    if (fstat(f.fd, &st) != 0) throw LoadFailure{fi, SIZE_MAX, "cannot stat: " + errnoText(errno)};
    f.size = st.st_size;
    posix_fadvise(f.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }

  // The tensor for one request: a view of the mapping, or an allocation queued for reading.
  at::Tensor place(size_t fi, size_t ti, std::vector<Chunk>& chunks) {
    const FileRequest& req = requests_[fi];
    const TensorRequest& t = req.tensors[ti];
    int64_t offset = req.dataStart + t.begin;
    int64_t bytes = t.end - t.begin;
    if (t.begin < 0 || bytes < 0 || offset + bytes > files_[fi].size) {
      throw LoadFailure{fi, ti, "data [" + std::to_string(offset) + ", " + std::to_string(offset + bytes) +
                                    ") runs past the end of the " + std::to_string(files_[fi].size) +
                                    "-byte file (truncated since its header was read?)"};
    }
    auto fileOptions = at::TensorOptions().dtype(t.fileType);
    int64_t numel = c10::multiply_integers(t.shape);
    if (numel * static_cast<int64_t>(c10::elementSize(t.fileType)) != bytes) {
      throw LoadFailure{fi, ti, "shape " + c10::str(t.shape) + " of " + c10::toString(t.fileType) + " does not span " +
                                    std::to_string(bytes) + " bytes"};
    }
    bool aligned = offset % static_cast<int64_t>(c10::elementSize(t.fileType)) == 0;
    if (useMmap_ && t.target == t.fileType && aligned && bytes > 0) {
      if (auto m = mappingOf(files_[fi])) {
        tensorsMapped_++;
        void* data = static_cast<uint8_t*>(m->base) + offset;
        return at::from_blob(data, t.shape, [m](void*) mutable { m.reset(); }, fileOptions);
      }
    }
    at::Tensor out = at::empty(t.shape, at::TensorOptions().dtype(t.target));
    // No MADV_HUGEPAGE here: the first load after other work on a VM spent 3.6 s (of which 80% in
    // the kernel zeroing 2 MiB pages) converting 1.5B float32 weights to bf16, against 1.0 s with
    // ordinary pages; only a load right after another one's exit got the huge pages fast (0.5 s).
    at::Tensor flat = out.view({-1});
    // A conversion reads the mapped file in place (no copy through a buffer) where it may.
    const uint8_t* source = nullptr;
    if (useMmap_ && t.target != t.fileType && aligned && bytes > 0) {
      if (auto m = mappingOf(files_[fi])) source = static_cast<const uint8_t*>(m->base) + offset;
    }
    int64_t elementBytes = static_cast<int64_t>(c10::elementSize(t.fileType));
    for (int64_t pos = 0; pos < bytes; pos += kChunkBytes) {
      int64_t n = std::min(kChunkBytes, bytes - pos);
      chunks.push_back(Chunk{fi, ti, offset + pos, n, flat, pos / elementBytes, source == nullptr ? nullptr : source + pos});
    }
    return out;
  }

  void readAll(const std::vector<Chunk>& chunks) {
    if (chunks.empty()) return;
    std::mutex failureMutex;
    std::unique_ptr<LoadFailure> failure;
    std::atomic<bool> failed{false};
    std::atomic<int64_t> bytesRead{0};
    at::parallel_for(0, static_cast<int64_t>(chunks.size()), 1, [&](int64_t begin, int64_t end) {
      std::vector<uint8_t> bounce;
      for (int64_t i = begin; i < end && !failed.load(); i++) {
        const Chunk& c = chunks[static_cast<size_t>(i)];
        std::string error;
        try {
          readChunk(c, requests_[c.file], files_[c.file].fd, bounce, &error);
        } catch (const std::exception& e) {
          error = e.what();
        }
        if (!error.empty()) {
          std::lock_guard<std::mutex> lock(failureMutex);
          if (!failure) failure = std::make_unique<LoadFailure>(LoadFailure{c.file, c.tensor, error});
          failed = true;
          return;
        }
        bytesRead += c.bytes;
      }
    });
    if (failure) throw *failure;
    bytesRead_ = bytesRead.load();
  }

  std::vector<FileRequest> requests_;
  bool useMmap_;
  std::vector<OpenFile> files_;
  int64_t bytesRead_ = 0;
  int64_t tensorsMapped_ = 0;
};

int64_t integerField(const Args& a, const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) a.typeError(0, std::string("file requests whose '") + key + "' is an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d))) a.typeError(0, std::string("file requests whose '") + key + "' is an integer");
  return static_cast<int64_t>(d);
}

at::ScalarType dtypeField(const Args& a, const Napi::Object& o, const char* key) {
  int64_t code = integerField(a, o, key);
  if (code < 0 || code >= static_cast<int64_t>(at::ScalarType::NumOptions)) a.typeError(0, "file requests with dtype codes");
  return static_cast<at::ScalarType>(code);
}

std::vector<FileRequest> readRequests(const Args& a) {
  if (!a.info()[0].IsArray()) a.typeError(0, "an array of file requests");
  auto files = a.info()[0].As<Napi::Array>();
  std::vector<FileRequest> out;
  for (uint32_t i = 0; i < files.Length(); i++) {
    Napi::Value fv = files.Get(i);
    if (!fv.IsObject()) a.typeError(0, "an array of file requests");
    auto f = fv.As<Napi::Object>();
    if (!f.Get("path").IsString() || !f.Get("tensors").IsArray()) a.typeError(0, "file requests { path, dataStart, tensors }");
    FileRequest req{f.Get("path").As<Napi::String>().Utf8Value(), integerField(a, f, "dataStart"), {}};
    auto tensors = f.Get("tensors").As<Napi::Array>();
    for (uint32_t k = 0; k < tensors.Length(); k++) {
      Napi::Value tv = tensors.Get(k);
      if (!tv.IsObject()) a.typeError(0, "file requests whose tensors are objects");
      auto t = tv.As<Napi::Object>();
      Napi::Value shapeValue = t.Get("shape");
      if (!shapeValue.IsArray()) a.typeError(0, "file requests whose tensors have a shape array");
      auto shapeArray = shapeValue.As<Napi::Array>();
      std::vector<int64_t> shape;
      for (uint32_t d = 0; d < shapeArray.Length(); d++) {
        Napi::Value dim = shapeArray.Get(d);
        if (!dim.IsNumber()) a.typeError(0, "file requests whose tensors have integer shapes");
        shape.push_back(dim.As<Napi::Number>().Int64Value());
      }
      req.tensors.push_back(TensorRequest{dtypeField(a, t, "dtype"), dtypeField(a, t, "target"), std::move(shape),
                                          integerField(a, t, "begin"), integerField(a, t, "end")});
    }
    out.push_back(std::move(req));
  }
  return out;
}

}  // namespace

// readSafetensors(files, useMmap): { tensors: H[][], bytesRead, tensorsMapped }. files[i] is
// { path, dataStart, tensors: { dtype, target, shape, begin, end }[] } (begin/end count from the
// data section, as in the header). A failure throws an Error with `fileIndex` and `tensorIndex`
// (-1: the file as a whole), so the caller can name both.
RLHF_OP(readSafetensors) {
  Loader loader(readRequests(a), a.boolean(1));
  std::vector<std::vector<at::Tensor>> tensors;
  try {
    tensors = loader.run();
  } catch (const LoadFailure& f) {
    auto error = Napi::Error::New(a.env(), f.message);
    error.Set("fileIndex", Napi::Number::New(a.env(), static_cast<double>(f.file)));
    error.Set("tensorIndex", Napi::Number::New(a.env(), f.tensor == SIZE_MAX ? -1.0 : static_cast<double>(f.tensor)));
    throw error;
  }
  auto perFile = Napi::Array::New(a.env(), tensors.size());
  for (size_t i = 0; i < tensors.size(); i++) perFile.Set(i, wrapAll(a.env(), tensors[i]));
  auto out = Napi::Object::New(a.env());
  out.Set("tensors", perFile);
  out.Set("bytesRead", Napi::Number::New(a.env(), static_cast<double>(loader.bytesRead())));
  out.Set("tensorsMapped", Napi::Number::New(a.env(), static_cast<double>(loader.tensorsMapped())));
  return out;
}

// writeTensorBytes(t, fd) -> bytes: t's bytes in row-major order written at fd's position, from
// the tensor's own memory (a CPU, contiguous copy only where it is not), so saving a model never
// holds a second copy of it (a copy into JS memory lives until the next garbage collection).
RLHF_OP(writeTensorBytes) {
  const at::Tensor t = a.tensor(0).detach().to(at::kCPU).contiguous();
  const int fd = static_cast<int>(a.int64(1));
  const auto* p = static_cast<const uint8_t*>(t.data_ptr());
  const int64_t total = static_cast<int64_t>(t.nbytes());
  int64_t done = 0;
  while (done < total) {
    const ssize_t n = write(fd, p + done, static_cast<size_t>(std::min<int64_t>(total - done, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Napi::Error::New(a.env(), "writeTensorBytes: write failed after " + std::to_string(done) + " of " +
                                                    std::to_string(total) + " bytes: " + errnoText(n < 0 ? errno : EIO));
    done += n;
  }
  return Napi::Number::New(a.env(), static_cast<double>(total));
}

static const OpDef ops[] = {RLHF_DEF(readSafetensors), RLHF_DEF(writeTensorBytes)};
RLHF_REGISTER(registerSafetensorsIo, ops)

}  // namespace rlhf
