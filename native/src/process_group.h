// The process group of this process (one, as torch.distributed's default group), shared by the
// collectives (distributed.cc) and the bucketed gradient synchronisation (grad_sync.cc).
#pragma once

#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>

#include "core.h"

namespace rlhf {

using WorkPtr = c10::intrusive_ptr<c10d::Work>;

struct Group {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{1800000};
};

// The group, or an error naming `op` when initProcessGroup has not run.
Group& requireGroup(const char* op);

// Waits for one collective; its failure (a dead peer, the timeout) names the op and this rank.
void waitWork(const WorkPtr& work, const char* op);

// Starts a sum all-reduce of `t` in place, bounded by the group's timeout.
WorkPtr allReduceSum(at::Tensor t);

void registerGradSync(Napi::Env env, Napi::Object exports);

}  // namespace rlhf
