// torch.distributed's engine (c10d) for data parallelism: rendezvous through c10d::TCPStore, a
// Gloo process group and its collectives (the gradient buckets: grad_sync.cc).
//
// One process group per process, as torch.distributed's default group. Collectives either wait
// (the JS thread blocks until the work is done or the group's timeout passes) or return a work
// id to wait on later; a failed or timed-out collective is a TorchError naming the op and rank.
#include <map>
#include <memory>

#include "process_group.h"

namespace rlhf {

namespace {

std::unique_ptr<Group> group;
std::map<int64_t, WorkPtr> pendingWorks;
int64_t nextWorkId = 1;

}  // namespace

Group& requireGroup(const char* op) {
  if (!group) throw std::runtime_error(std::string(op) + ": no process group; call initProcessGroup first");
  return *group;
}

void waitWork(const WorkPtr& work, const char* op) {
  try {
    work->wait(group ? group->timeout : std::chrono::milliseconds(0));
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(op) + " failed on rank " + std::to_string(group ? group->rank : -1) + ": " + e.what());
  }
}

WorkPtr allReduceSum(at::Tensor t) {
  Group& g = requireGroup("allReduce");
  std::vector<at::Tensor> ts{std::move(t)};
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp::SUM;
  opts.timeout = g.timeout;
  return g.gloo->allreduce(ts, opts);
}

namespace {

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

static const OpDef ops[] = {
    RLHF_DEF(initProcessGroup), RLHF_DEF(destroyProcessGroup), RLHF_DEF(storeSet),  RLHF_DEF(storeGet),
    RLHF_DEF(storeAdd),         RLHF_DEF(storeCheck),          RLHF_DEF(allReduce), RLHF_DEF(broadcast),
    RLHF_DEF(allGather),        RLHF_DEF(barrier),             RLHF_DEF(waitWork),  RLHF_DEF(workCompleted),
};

void registerDistributed(Napi::Env env, Napi::Object exports) {
  registerOps(env, exports, ops, sizeof(ops) / sizeof(ops[0]));
  registerGradSync(env, exports);
}

}  // namespace rlhf
