// Gradient synchronisation in buckets, as DistributedDataParallel's Reducer does: post-hooks on
// the parameters' gradient accumulators (in libtorch's autograd engine) fill buckets whose
// all-reduce starts while backward is still running.
#include <torch/csrc/autograd/utils/lambda_post_hook.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "process_group.h"

namespace rlhf {

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

  void launch(Bucket& b) { b.work = allReduceSum(b.buffer); }

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
    lateWork = allReduceSum(lateFlat);
  }
  if (s.findUnused) usedWork = allReduceSum(usedCount);
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

static const OpDef ops[] = {RLHF_DEF(gradSyncCreate), RLHF_DEF(gradSyncArm), RLHF_DEF(gradSyncFinish), RLHF_DEF(gradSyncDestroy)};

void registerGradSync(Napi::Env env, Napi::Object exports) { registerOps(env, exports, ops, sizeof(ops) / sizeof(ops[0])); }

}  // namespace rlhf
