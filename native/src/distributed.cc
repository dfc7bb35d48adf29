// torch.distributed's engine (c10d) for data parallelism: rendezvous through c10d::TCPStore, a
// Gloo process group, its collectives, and gradient synchronisation in buckets while backward
// is still running (the bucketing DistributedDataParallel's Reducer does, through post-hooks on
// the parameters' gradient accumulators).
//
// One process group per process, as torch.distributed's default group. Collectives either wait
// (the JS thread blocks until the work is done or the group's timeout passes) or return a work
// id to wait on later; a failed or timed-out collective is a TorchError naming the op and rank.
#define USE_C10D_GLOO 1
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "core.h"

namespace rlhf {

namespace {

using WorkPtr = c10::intrusive_ptr<c10d::Work>;

struct Group {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{1800000};
};

std::unique_ptr<Group> group;
std::map<int64_t, WorkPtr> pendingWorks;
int64_t nextWorkId = 1;

Group& requireGroup(const char* op) {
  if (!group) throw std::runtime_error(std::string(op) + ": no process group; call initProcessGroup first");
  return *group;
}

// Waits for one collective; its failure (a dead peer, the timeout) names the op and this rank.
void waitWork(const WorkPtr& work, const char* op) {
  try {
    work->wait(group ? group->timeout : std::chrono::milliseconds(0));
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(op) + " failed on rank " + std::to_string(group ? group->rank : -1) + ": " + e.what());
  }
}

Napi::Value finish(const Args& a, WorkPtr work, bool async, const char* op) {
  if (!async) {
    waitWork(work, op);
    return a.env().Undefined();
  }
  int64_t id = nextWorkId++;
  pendingWorks[id] = std::move(work);
  return Napi::Number::New(a.env(), static_cast<double>(id));
}

c10d::ReduceOp reduceOpOf(const Args& a, size_t i) {
  std::string name = a.string(i);
  if (name == "sum") return c10d::ReduceOp::SUM;
  if (name == "max") return c10d::ReduceOp::MAX;
  if (name == "min") return c10d::ReduceOp::MIN;
  if (name == "product") return c10d::ReduceOp::PRODUCT;
  a.typeError(i, "one of 'sum', 'max', 'min', 'product'");
}

std::vector<uint8_t> bytesOf(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

}  // namespace

// initProcessGroup(rank, worldSize, host, port, timeoutMs, iface): rank 0 hosts the TCPStore
// on host:port, every rank connects to it, then the Gloo group is built over it. iface (a
// network interface name, as GLOO_SOCKET_IFNAME) or "" for the address `host` resolves to.
RLHF_OP(initProcessGroup) {
  if (group) throw std::runtime_error("initProcessGroup: this process already has a process group; destroyProcessGroup first");
  int rank = static_cast<int>(a.int64(0));
  int size = static_cast<int>(a.int64(1));
  std::string host = a.string(2);
  int64_t port = a.int64(3);
  std::chrono::milliseconds timeout(a.int64(4));
  std::string iface = a.string(5);
  auto g = std::make_unique<Group>();
  g->rank = rank;
  g->size = size;
  g->timeout = timeout;
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<uint16_t>(port);
  opts.isServer = rank == 0;
  opts.numWorkers = static_cast<size_t>(size);
  opts.waitWorkers = true;
  opts.timeout = timeout;
  try {
    g->store = c10::make_intrusive<c10d::TCPStore>(host, opts);
  } catch (const std::exception& e) {
    std::string what = e.what();
    std::string hint = rank == 0 ? " (is port " + std::to_string(port) + " already in use? choose another with --master-port or MASTER_PORT)"
                                 : " (is rank 0 running and reachable at " + host + ":" + std::to_string(port) + "?)";
    throw std::runtime_error("rank " + std::to_string(rank) + ": could not " + (rank == 0 ? "host" : "reach") + " the TCPStore at " + host + ":" +
                             std::to_string(port) + hint + ": " + what.substr(0, what.find('\n')));
  }
  // Every rank must agree on the world size before Gloo connects `size` peers (a mismatch
  // there would only surface as a timeout).
  g->store->set("rlhf/world_size/" + std::to_string(rank), bytesOf(std::to_string(size)));
  for (int r = 0; r < size; r++) {
    if (r == rank || (rank != 0 && r != 0)) continue;
    auto v = g->store->get("rlhf/world_size/" + std::to_string(r));
    std::string theirs(v.begin(), v.end());
    if (theirs != std::to_string(size)) {
      throw std::runtime_error("rank " + std::to_string(r) + " was started with WORLD_SIZE=" + theirs + " but rank " + std::to_string(rank) +
                               " with WORLD_SIZE=" + std::to_string(size) + "; start every rank with the same world size");
    }
  }
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  options->devices.push_back(iface.empty() ? c10d::ProcessGroupGloo::createDeviceForHostname(host == "localhost" ? "127.0.0.1" : host)
                                           : c10d::ProcessGroupGloo::createDeviceForInterface(iface));
  options->threads = 2;
  g->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, rank, size, options);
  group = std::move(g);
  return a.env().Undefined();
}

RLHF_OP(destroyProcessGroup) {
  pendingWorks.clear();
  group.reset();
  return a.env().Undefined();
}

// storeSet(key, value) / storeGet(key) -> string (waits up to the timeout) / storeAdd(key, n) -> total
// / storeCheck(keys) -> whether all exist.
RLHF_OP(storeSet) {
  requireGroup("storeSet").store->set(a.string(0), bytesOf(a.string(1)));
  return a.env().Undefined();
}

RLHF_OP(storeGet) {
  auto& g = requireGroup("storeGet");
  std::string key = a.string(0);
  c10::optional<int64_t> timeoutMs = a.optInt64(1);
  if (timeoutMs.has_value()) g.store->wait({key}, std::chrono::milliseconds(*timeoutMs));
  auto v = g.store->get(key);
  return Napi::String::New(a.env(), std::string(v.begin(), v.end()));
}

RLHF_OP(storeAdd) {
  return Napi::Number::New(a.env(), static_cast<double>(requireGroup("storeAdd").store->add(a.string(0), a.int64(1))));
}

RLHF_OP(storeCheck) {
  std::vector<std::string> keys;
  Napi::Array arr = a.info()[0].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) keys.push_back(arr.Get(i).ToString().Utf8Value());
  return Napi::Boolean::New(a.env(), requireGroup("storeCheck").store->check(keys));
}

// allReduce(tensors, op, async): in place on every tensor.
RLHF_OP(allReduce) {
  auto& g = requireGroup("allReduce");
  std::vector<at::Tensor> ts = a.tensors(0);
  c10d::AllreduceOptions opts;
  opts.reduceOp = reduceOpOf(a, 1);
  opts.timeout = g.timeout;
  return finish(a, g.gloo->allreduce(ts, opts), a.boolean(2), "all_reduce");
}

// broadcast(tensors, root, async): in place; rank `root`'s values everywhere.
RLHF_OP(broadcast) {
  auto& g = requireGroup("broadcast");
  std::vector<at::Tensor> ts = a.tensors(0);
  c10d::BroadcastOptions opts;
  opts.rootRank = a.int64(1);
  opts.timeout = g.timeout;
  return finish(a, g.gloo->broadcast(ts, opts), a.boolean(2), "broadcast");
}

// allGather(outputs, input, async): outputs[r] receives rank r's input.
RLHF_OP(allGather) {
  auto& g = requireGroup("allGather");
  std::vector<std::vector<at::Tensor>> outs{a.tensors(0)};
  std::vector<at::Tensor> in{a.tensor(1)};
  c10d::AllgatherOptions opts;
  opts.timeout = g.timeout;
  return finish(a, g.gloo->allgather(outs, in, opts), a.boolean(2), "all_gather");
}

RLHF_OP(barrier) {
  auto& g = requireGroup("barrier");
  c10d::BarrierOptions opts;
  opts.timeout = g.timeout;
  return finish(a, g.gloo->barrier(opts), a.boolean(0), "barrier");
}

// waitWork(id): waits for an asynchronous collective (and forgets it).
RLHF_OP(waitWork) {
  int64_t id = a.int64(0);
  auto it = pendingWorks.find(id);
  if (it == pendingWorks.end()) throw std::runtime_error("waitWork: no pending collective " + std::to_string(id) + " (already waited for?)");
  WorkPtr work = it->second;
  pendingWorks.erase(it);
  waitWork(work, "collective");
  return a.env().Undefined();
}

RLHF_OP(workCompleted) {
  auto it = pendingWorks.find(a.int64(0));
  return Napi::Boolean::New(a.env(), it == pendingWorks.end() || it->second->isCompleted());
}

// ---------------------------------------------------------------------------------------
// Gradient synchronisation in buckets (DDP).

namespace {

struct Bucket {
  std::vector<size_t> params;
  std::vector<int64_t> offsets;
  at::Tensor buffer;  // the bucket's gradients, flattened
  size_t pending = 0;
  // Holds the parameters that get gradients from several backward passes of one step (a tied
  // embedding under gradient checkpointing: the head's in the loss's backward, the embedding's
  // in the last replay): filled and sent only in finish().
  bool deferred = false;
  WorkPtr work;
};

// Each armed backward: a parameter's post-accumulation hook copies its (accumulated) gradient
// into its bucket; a full bucket is summed across ranks at once, buckets always launched in
// index order so every rank issues the same collectives in the same order. finish() launches
// what backward left, waits, and writes the sums back into the gradients.
//
// A parameter whose gradient grows again after its bucket was sent (several backward passes in
// one step) is sent once more, alone, in finish() (the same on every rank: the graph is), and
// from then on lives in the deferred bucket, so later steps send it once.
struct GradSync {
  std::vector<at::Tensor> params;
  // Kept alive so the hooks stay (a shared_ptr in libtorch 1.x, an intrusive_ptr in 2.x).
  std::vector<decltype(torch::autograd::impl::grad_accumulator(std::declval<at::Tensor>()))> accumulators;
  std::vector<Bucket> buckets;
  std::vector<size_t> bucketOf;
  std::vector<size_t> slotOf;
  std::vector<char> ready;
  std::vector<char> deferred;
  std::vector<size_t> late;
  int64_t cap = 0;
  int64_t firstCap = 0;
  bool findUnused = false;
  bool armed = false;
  size_t nextLaunch = 0;
  size_t launchedInBackward = 0;
  std::mutex mu;

  // Buckets follow the parameters in reverse (the order backward produces their gradients), a
  // new bucket when the dtype changes or the cap is reached; the first bucket is small so
  // communication starts early. Deferred parameters go last, in a bucket of their own per dtype.
  void assign() {
    size_t n = params.size();
    buckets.clear();
    bucketOf.assign(n, 0);
    slotOf.assign(n, 0);
    auto place = [&](size_t k, bool fresh, bool isDeferred) {
      if (fresh) {
        buckets.emplace_back();
        buckets.back().deferred = isDeferred;
      }
      Bucket& b = buckets.back();
      bucketOf[k] = buckets.size() - 1;
      slotOf[k] = b.params.size();
      int64_t offset = b.offsets.empty() ? 0 : b.offsets.back() + params[b.params.back()].numel();
      b.params.push_back(k);
      b.offsets.push_back(offset);
    };
    int64_t bytes = 0;
    for (size_t k = n; k-- > 0;) {
      if (deferred[k]) continue;
      const at::Tensor& p = params[k];
      int64_t limit = buckets.size() <= 1 ? firstCap : cap;
      bool fresh = buckets.empty() || bytes >= limit || params[buckets.back().params.front()].scalar_type() != p.scalar_type();
      if (fresh) bytes = 0;
      place(k, fresh, false);
      bytes += p.numel() * static_cast<int64_t>(p.element_size());
    }
    for (size_t k = n; k-- > 0;) {
      if (!deferred[k]) continue;
      bool fresh = buckets.empty() || !buckets.back().deferred || params[buckets.back().params.front()].scalar_type() != params[k].scalar_type();
      place(k, fresh, true);
    }
    for (auto& b : buckets) {
      const at::Tensor& last = params[b.params.back()];
      b.buffer = at::zeros({b.offsets.back() + last.numel()}, last.options().requires_grad(false));
    }
  }

  void reset() {
    std::fill(ready.begin(), ready.end(), 0);
    for (auto& b : buckets) {
      b.pending = b.deferred ? 0 : b.params.size();
      b.work.reset();
    }
    late.clear();
    nextLaunch = 0;
    launchedInBackward = 0;
  }

  at::Tensor slot(size_t i) {
    Bucket& b = buckets[bucketOf[i]];
    return b.buffer.narrow(0, b.offsets[slotOf[i]], params[i].numel());
  }

  void launch(Bucket& b) {
    std::vector<at::Tensor> ts{b.buffer};
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::SUM;
    opts.timeout = group->timeout;
    b.work = group->gloo->allreduce(ts, opts);
  }

  // Launches the ready buckets in index order; a deferred bucket waits for finish().
  void launchReady() {
    while (nextLaunch < buckets.size() && !buckets[nextLaunch].deferred && buckets[nextLaunch].pending == 0) launch(buckets[nextLaunch++]);
  }

  void markReady(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    if (!armed) return;
    Bucket& b = buckets[bucketOf[i]];
    if (b.deferred) {
      ready[i] = 1;  // copied in finish(), once every pass has added to it
      return;
    }
    if (ready[i] && b.work) {
      if (std::find(late.begin(), late.end(), i) == late.end()) late.push_back(i);
      return;
    }
    if (!ready[i]) {
      ready[i] = 1;
      b.pending--;
    }
    slot(i).copy_(params[i].grad().reshape(-1));
    if (b.pending == 0) {
      size_t before = nextLaunch;
      launchReady();
      launchedInBackward += nextLaunch - before;
    }
  }
};

// Shared with the hooks, which hold it weakly: a destroyed sync leaves inert hooks behind.
std::map<int64_t, std::shared_ptr<GradSync>> gradSyncs;
int64_t nextGradSyncId = 1;

GradSync& gradSyncOf(const Args& a, size_t i) {
  auto it = gradSyncs.find(a.int64(i));
  if (it == gradSyncs.end()) throw std::runtime_error(std::string(a.op()) + ": no such gradient sync (destroyed?)");
  return *it->second;
}

}  // namespace

// gradSyncCreate(params, bucketCapBytes, firstBucketCapBytes, findUnused) -> id.
RLHF_OP(gradSyncCreate) {
  requireGroup("gradSyncCreate");
  auto s = std::make_shared<GradSync>();
  s->params = a.tensors(0);
  s->cap = a.int64(1);
  s->firstCap = a.int64(2);
  s->findUnused = a.boolean(3);
  size_t n = s->params.size();
  s->ready.assign(n, 0);
  s->deferred.assign(n, 0);
  for (size_t k = 0; k < n; k++) {
    if (!s->params[k].requires_grad()) throw std::runtime_error("gradSyncCreate: parameter " + std::to_string(k) + " does not require grad");
  }
  s->assign();
  std::weak_ptr<GradSync> weak = s;
  for (size_t k = 0; k < n; k++) {
    auto acc = torch::autograd::impl::grad_accumulator(s->params[k]);
    if (!acc) throw std::runtime_error("gradSyncCreate: parameter " + std::to_string(k) + " is not a leaf tensor");
    acc->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
        [weak, k](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
          if (auto live = weak.lock()) live->markReady(k);
          return outputs;
        }));
    s->accumulators.push_back(std::move(acc));
  }
  s->reset();
  int64_t id = nextGradSyncId++;
  gradSyncs[id] = std::move(s);
  return Napi::Number::New(a.env(), static_cast<double>(id));
}

// gradSyncArm(id): the next backward synchronises (call before the last micro-step's backward).
RLHF_OP(gradSyncArm) {
  GradSync& s = gradSyncOf(a, 0);
  std::lock_guard<std::mutex> lock(s.mu);
  s.reset();
  s.armed = true;
  return a.env().Undefined();
}

// gradSyncFinish(id) -> {ok, unused: number[], buckets, bytes, launchedInBackward, waitMs,
// late}: sends what backward did not, waits, writes every parameter's gradient as the sum over
// ranks. A parameter without a gradient on this rank contributes zeros when findUnused;
// otherwise it is an error listing them (unused[] holds their indices). With findUnused, a
// parameter no rank used keeps no gradient.
RLHF_OP(gradSyncFinish) {
  GradSync& s = gradSyncOf(a, 0);
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.armed) throw std::runtime_error("gradSyncFinish: not armed; call gradSyncArm before the backward to synchronise");
  s.armed = false;
  // Parameters whose hook did not fire in this backward: their gradient (accumulated by earlier
  // micro-steps) is sent as it is; one with no gradient at all is unused on this rank.
  std::vector<size_t> unused;
  for (size_t i = 0; i < s.params.size(); i++) {
    if (!s.ready[i] && !s.params[i].grad().defined()) unused.push_back(i);
  }
  Napi::Env env = a.env();
  auto result = Napi::Object::New(env);
  auto unusedArr = Napi::Array::New(env, unused.size());
  for (size_t j = 0; j < unused.size(); j++) unusedArr.Set(j, Napi::Number::New(env, static_cast<double>(unused[j])));
  result.Set("unused", unusedArr);
  if (!unused.empty() && !s.findUnused) {
    result.Set("ok", false);
    return result;
  }
  for (size_t i = 0; i < s.params.size(); i++) {
    Bucket& b = s.buckets[s.bucketOf[i]];
    if (s.ready[i] && !b.deferred) continue;
    if (s.params[i].grad().defined()) s.slot(i).copy_(s.params[i].grad().reshape(-1));
    else s.slot(i).zero_();
    if (!s.ready[i] && !b.deferred) b.pending--;
    s.ready[i] = 1;
  }
  at::Tensor usedCount;
  WorkPtr usedWork;
  if (s.findUnused) {
    usedCount = at::zeros({static_cast<int64_t>(s.params.size())}, at::kInt);
    auto acc = usedCount.accessor<int32_t, 1>();
    for (size_t i = 0; i < s.params.size(); i++) acc[i] = s.params[i].grad().defined() ? 1 : 0;
  }
  s.launchReady();
  for (size_t k = s.nextLaunch; k < s.buckets.size(); k++) s.launch(s.buckets[k]);  // the deferred buckets
  s.nextLaunch = s.buckets.size();
  // Late parameters: their whole local gradient, summed again on its own (the bucket sent a part).
  std::sort(s.late.begin(), s.late.end());
  at::Tensor lateFlat;
  WorkPtr lateWork;
  if (!s.late.empty()) {
    std::vector<at::Tensor> parts;
    for (size_t i : s.late) parts.push_back(s.params[i].grad().reshape(-1));
    lateFlat = at::cat(parts);
    std::vector<at::Tensor> ts{lateFlat};
    c10d::AllreduceOptions opts;
    opts.timeout = group->timeout;
    lateWork = group->gloo->allreduce(ts, opts);
  }
  if (s.findUnused) {
    std::vector<at::Tensor> ts{usedCount};
    c10d::AllreduceOptions opts;
    opts.timeout = group->timeout;
    usedWork = group->gloo->allreduce(ts, opts);
  }
  auto t0 = std::chrono::steady_clock::now();
  int64_t bytes = 0;
  for (auto& b : s.buckets) {
    waitWork(b.work, "gradient all_reduce");
    bytes += b.buffer.numel() * static_cast<int64_t>(b.buffer.element_size());
  }
  if (lateWork) waitWork(lateWork, "gradient all_reduce");
  if (usedWork) waitWork(usedWork, "unused-parameter all_reduce");
  double waitMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  {
    at::NoGradGuard noGrad;
    int64_t lateOffset = 0;
    for (size_t i = 0; i < s.params.size(); i++) {
      if (s.findUnused && usedCount.data_ptr<int32_t>()[i] == 0) continue;
      at::Tensor& p = s.params[i];
      at::Tensor sum;
      if (std::binary_search(s.late.begin(), s.late.end(), i)) {
        sum = lateFlat.narrow(0, lateOffset, p.numel()).view(p.sizes());
        lateOffset += p.numel();
      } else {
        sum = s.slot(i).view(p.sizes());
      }
      if (p.grad().defined()) p.mutable_grad().copy_(sum);
      else p.mutable_grad() = sum.clone();
    }
  }
  result.Set("ok", true);
  result.Set("buckets", Napi::Number::New(env, static_cast<double>(s.buckets.size())));
  result.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes)));
  result.Set("launchedInBackward", Napi::Number::New(env, static_cast<double>(s.launchedInBackward)));
  result.Set("waitMs", Napi::Number::New(env, waitMs));
  result.Set("late", Napi::Number::New(env, static_cast<double>(s.late.size())));
  // From now on the late parameters are sent once, at the end.
  if (!s.late.empty()) {
    for (size_t i : s.late) s.deferred[i] = 1;
    s.assign();
    s.reset();
  }
  return result;
}

RLHF_OP(gradSyncDestroy) {
  gradSyncs.erase(a.int64(0));
  return a.env().Undefined();
}

static const OpDef ops[] = {
    RLHF_DEF(initProcessGroup), RLHF_DEF(destroyProcessGroup), RLHF_DEF(storeSet),      RLHF_DEF(storeGet),
    RLHF_DEF(storeAdd),         RLHF_DEF(storeCheck),          RLHF_DEF(allReduce),     RLHF_DEF(broadcast),
    RLHF_DEF(allGather),        RLHF_DEF(barrier),             RLHF_DEF(waitWork),      RLHF_DEF(workCompleted),
    RLHF_DEF(gradSyncCreate),   RLHF_DEF(gradSyncArm),         RLHF_DEF(gradSyncFinish), RLHF_DEF(gradSyncDestroy),
};

RLHF_REGISTER(registerDistributed, ops)

}  // namespace rlhf
