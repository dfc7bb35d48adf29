// The LM head and its cross entropy in one op, chunk by chunk over the tokens, so the
// (tokens, vocab) logits never exist whole: at 0.5B Qwen2 (vocab 151,936) a 2 x 512 batch's
// float32 logits are 622 MB, and the composed path keeps three such tensors alive (logits,
// log-softmax, gradient). Here one chunk's logits (`chunkRows` x vocab) is the largest temporary.
//
//   linearCrossEntropy(hidden (N, H), weight (V, H), labels (N) int64, ignoreIndex, labelSmoothing,
//                      reduction 'sum' | 'none', chunkRows, needHiddenGrad, needWeightGrad)
//   == crossEntropy(hidden @ weightᵀ, labels, reduction) with logits upcast to float32 (float64 stays).
//
// 'sum' (SFT): the gradients w.r.t. hidden and weight are computed during the forward, chunk by
// chunk (as Liger-Kernel's fused linear cross entropy: no second pass over the head), and
// backward only scales them by the incoming scalar gradient. 'none' (DPO/GRPO per-token
// log-probs, whose upstream gradient is known only in backward): the forward keeps the
// log-sum-exp per token, and backward recomputes each chunk's logits once.
//
// Under autocast (CPU bfloat16, CUDA float16/bfloat16) both matmuls run in the autocast dtype, as
// the composed linear would, and everything after them in float32; the weight gradient is summed
// over chunks in float32.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#include "core.h"
#include "lm_head.h"
#include "vec8.h"

namespace rlhf {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using lmhead::accumulateDtype;
using lmhead::accumulateGrads;
using lmhead::chunkLogits;
using lmhead::Head;
using lmhead::matmulDtype;
using lmhead::weightGradBuffer;

// One float32 row of logits z (V): its log-sum-exp (given, or computed and stored), its loss (when the lse is computed here)
// (1 − ε)·(lse − z_y) + ε·(lse − mean(z)) (torch's cross_entropy with label_smoothing ε; 0 where
// ignored, label < 0), and with `grad` the row turned in place into
// scale · (softmax − (1 − ε)·onehot(y) − ε/V), zero where ignored. Two passes over a row that
// sits in cache, where the ATen composition makes about eight over the chunk in memory.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void lossRow(float* __restrict z, int64_t V, int64_t label,
                                                                          float smoothing, bool lseGiven, float* lse,
                                                                          float* loss, bool grad, float scale) {
  float l = *lse;
  if (!lseGiven) {
    const float m = rowMax(z, V);
    f8 sv = splat(0.0f), zv = splat(0.0f);
    int64_t j = 0;
    for (; j + 8 <= V; j += 8) {
      const f8 v = load8(z + j);
      sv += exp8(v - splat(m));
      zv += v;
    }
    float sum = 0, zsum = 0;
    for (int k = 0; k < 8; k++) sum += sv[k], zsum += zv[k];
    for (; j < V; j++) sum += std::exp(z[j] - m), zsum += z[j];
    l = m + std::log(sum);
    *lse = l;
    if (loss != nullptr) {
      *loss = label < 0 ? 0.0f : (1 - smoothing) * (l - z[label]) + smoothing * (l - zsum / static_cast<float>(V));
    }
  }
  if (!grad) return;
  const float s = label < 0 ? 0.0f : scale;
  const f8 lv = splat(l), off = splat(smoothing / static_cast<float>(V)), sc = splat(s);
  int64_t j = 0;
  for (; j + 8 <= V; j += 8) store8(z + j, (exp8(load8(z + j) - lv) - off) * sc);
  for (; j < V; j++) z[j] = (std::exp(z[j] - l) - smoothing / static_cast<float>(V)) * s;
  if (label >= 0) z[label] -= (1 - smoothing) * s;
}

// The loss pass over one chunk's logits (rows, V) in the accumulate dtype: fills `lse` (rows)
// unless `lseGiven`, `loss` (rows) if defined, and with `grad` turns the logits in place into
// d(loss_i)/d(logits_i) · scale_i (scale 1 where undefined). Float32 runs lossRow per row; other
// dtypes (float64) the same math in ATen ops.
void lossPass(const Head& h, at::Tensor& logits, const at::Tensor& labels, at::Tensor lse, bool lseGiven, at::Tensor loss,
              bool grad, const at::Tensor& scale) {
  const int64_t rows = logits.size(0), V = logits.size(1);
  if (logits.scalar_type() == at::kFloat && logits.is_contiguous()) {
    at::Tensor lab = labels.contiguous(), sc = scale.defined() ? scale.to(at::kFloat).contiguous() : scale;
    float* zp = logits.data_ptr<float>();
    float* lp = lse.data_ptr<float>();
    float* lossp = loss.defined() ? loss.data_ptr<float>() : nullptr;
    const int64_t* yp = lab.data_ptr<int64_t>();
    const float* sp = sc.defined() ? sc.data_ptr<float>() : nullptr;
    const float eps = static_cast<float>(h.smoothing);
    const int64_t ignore = h.ignoreIndex;
    at::parallel_for(0, rows, 1, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; r++) {
        const int64_t y = yp[r] == ignore ? -1 : yp[r];
        lossRow(zp + r * V, V, y, eps, lseGiven, lp + r, lossp == nullptr ? nullptr : lossp + r, grad, sp == nullptr ? 1.0f : sp[r]);
      }
    });
    return;
  }
  at::Tensor valid = labels.ne(h.ignoreIndex);
  at::Tensor safe = labels.masked_fill(valid.logical_not(), 0).unsqueeze(1);
  if (!lseGiven) lse.copy_(logits.logsumexp({1}));
  if (loss.defined() && !lseGiven) {
    at::Tensor nll = lse - logits.gather(1, safe).squeeze(1);
    if (h.smoothing > 0) nll = nll * (1 - h.smoothing) + (lse - logits.mean({1})) * h.smoothing;
    loss.copy_(nll.masked_fill(valid.logical_not(), 0));
  }
  if (!grad) return;
  logits.sub_(lse.unsqueeze(1)).exp_();
  if (h.smoothing > 0) logits.sub_(h.smoothing / static_cast<double>(V));
  logits.scatter_add_(1, safe, at::full({rows, 1}, -(1 - h.smoothing), logits.options()));
  at::Tensor rowScale = scale.defined() ? scale.to(logits.scalar_type()) * valid : valid.to(logits.scalar_type());
  logits.mul_(rowScale.unsqueeze(1));
}

// 'sum': the loss and both gradients in one pass over the head; backward scales them.
struct FusedLinearCrossEntropySum : public torch::autograd::Function<FusedLinearCrossEntropySum> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                            int64_t ignoreIndex, double smoothing, int64_t chunkRows, bool needHidden, bool needWeight) {
    at::ScalarType mm = matmulDtype(hidden);
    Head h{hidden.to(mm).contiguous(), weight.to(mm), labels, ignoreIndex, smoothing, chunkRows};
    const int64_t N = hidden.size(0);
    at::Tensor dHidden = needHidden ? at::empty({N, hidden.size(1)}, h.hidden.options()) : at::Tensor();
    at::Tensor dWeight = needWeight ? weightGradBuffer(h, weight, N) : at::Tensor();
    at::Tensor loss = at::zeros({}, hidden.options().dtype(accumulateDtype(h)));
    for (int64_t start = 0; start < N; start += chunkRows) {
      const int64_t rows = std::min(chunkRows, N - start);
      at::Tensor logits = chunkLogits(h, start, rows);
      at::Tensor rowLoss = at::empty({rows}, logits.options()), rowLse = at::empty({rows}, logits.options());
      const bool grad = needHidden || needWeight;
      lossPass(h, logits, labels.narrow(0, start, rows), rowLse, false, rowLoss, grad, at::Tensor());
      loss.add_(rowLoss.sum());
      if (grad) accumulateGrads(h, logits.to(h.hidden.scalar_type()), start, rows, dHidden, dWeight);
    }
    ctx->saved_data["dHidden"] = dHidden.defined() ? dHidden.to(hidden.scalar_type()) : dHidden;
    ctx->saved_data["dWeight"] = dWeight.defined() ? dWeight.to(weight.scalar_type()) : dWeight;
    return loss;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    if (ctx->saved_data.count("dWeight") == 0) {
      throw std::runtime_error("linearCrossEntropy: the fused 'sum' path's backward runs once (no retainGraph); use reduction 'none' to backward twice");
    }
    at::Tensor dHidden = ctx->saved_data["dHidden"].toTensor();
    at::Tensor dWeight = ctx->saved_data["dWeight"].toTensor();
    // Let go of them here, so autograd can adopt dWeight as the parameter's .grad without a copy.
    ctx->saved_data.erase("dHidden");
    ctx->saved_data.erase("dWeight");
    const at::Tensor& g = grads[0];
    const bool unit = g.numel() == 1 && g.item<double>() == 1.0;
    auto scaled = [&](at::Tensor t) { return !t.defined() || unit ? t : t * g.to(t.scalar_type()); };
    return {scaled(dHidden), scaled(dWeight), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// 'none': per-token losses; backward recomputes each chunk's logits from the saved log-sum-exp.
struct FusedLinearCrossEntropyTokens : public torch::autograd::Function<FusedLinearCrossEntropyTokens> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                            int64_t ignoreIndex, double smoothing, int64_t chunkRows) {
    at::ScalarType mm = matmulDtype(hidden);
    Head h{hidden.to(mm).contiguous(), weight.to(mm), labels, ignoreIndex, smoothing, chunkRows};
    const int64_t N = hidden.size(0);
    at::Tensor losses = at::empty({N}, hidden.options().dtype(accumulateDtype(h)));
    at::Tensor lse = at::empty({N}, hidden.options().dtype(accumulateDtype(h)));
    for (int64_t start = 0; start < N; start += chunkRows) {
      const int64_t rows = std::min(chunkRows, N - start);
      at::Tensor logits = chunkLogits(h, start, rows);
      lossPass(h, logits, labels.narrow(0, start, rows), lse.narrow(0, start, rows), false, losses.narrow(0, start, rows), false, at::Tensor());
    }
    ctx->save_for_backward({hidden, weight, labels, lse});
    ctx->saved_data["ignoreIndex"] = ignoreIndex;
    ctx->saved_data["smoothing"] = smoothing;
    ctx->saved_data["chunkRows"] = chunkRows;
    ctx->saved_data["matmulDtype"] = static_cast<int64_t>(mm);
    return losses;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &hidden = saved[0], &weight = saved[1], &labels = saved[2], &lse = saved[3];
    auto mm = static_cast<at::ScalarType>(ctx->saved_data["matmulDtype"].toInt());
    Head h{hidden.to(mm).contiguous(), weight.to(mm), labels, ctx->saved_data["ignoreIndex"].toInt(),
           ctx->saved_data["smoothing"].toDouble(), ctx->saved_data["chunkRows"].toInt()};
    const bool needHidden = ctx->needs_input_grad(0), needWeight = ctx->needs_input_grad(1);
    const int64_t N = hidden.size(0);
    at::Tensor dHidden = needHidden ? at::empty({N, hidden.size(1)}, h.hidden.options()) : at::Tensor();
    at::Tensor dWeight = needWeight ? weightGradBuffer(h, weight, N) : at::Tensor();
    const at::Tensor& g = grads[0];
    for (int64_t start = 0; start < N && (needHidden || needWeight); start += h.chunkRows) {
      const int64_t rows = std::min(h.chunkRows, N - start);
      at::Tensor logits = chunkLogits(h, start, rows);
      lossPass(h, logits, labels.narrow(0, start, rows), lse.narrow(0, start, rows), true, at::Tensor(), true, g.narrow(0, start, rows));
      accumulateGrads(h, logits.to(h.hidden.scalar_type()), start, rows, dHidden, dWeight);
    }
    return {dHidden.defined() ? dHidden.to(hidden.scalar_type()) : dHidden,
            dWeight.defined() ? dWeight.to(weight.scalar_type()) : dWeight,
            at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

// linearCrossEntropy(hidden (N, H), weight (V, H), labels (N), ignoreIndex, labelSmoothing, sum, chunkRows)
// -> sum: scalar float32; otherwise (N) float32 per-token losses (0 where ignored).
RLHF_OP(linearCrossEntropy) {
  const at::Tensor& hidden = a.tensor(0);
  const at::Tensor& weight = a.tensor(1);
  const at::Tensor& labels = a.tensor(2);
  const int64_t ignoreIndex = a.int64(3);
  const double smoothing = a.number(4);
  const bool sum = a.boolean(5);
  const int64_t chunkRows = a.int64(6);
  if (hidden.dim() != 2 || weight.dim() != 2 || hidden.size(1) != weight.size(1)) a.typeError(0, "hidden (N, H) and weight (V, H)");
  if (labels.dim() != 1 || labels.size(0) != hidden.size(0) || labels.scalar_type() != at::kLong) a.typeError(2, "int64 labels (N)");
  if (chunkRows < 1) a.typeError(6, "a positive chunk size");
  if (sum) {
    const bool grad = at::GradMode::is_enabled();
    return wrap(a.env(), FusedLinearCrossEntropySum::apply(hidden, weight, labels, ignoreIndex, smoothing, chunkRows,
                                                           grad && hidden.requires_grad(), grad && weight.requires_grad()));
  }
  return wrap(a.env(), FusedLinearCrossEntropyTokens::apply(hidden, weight, labels, ignoreIndex, smoothing, chunkRows));
}

static const OpDef ops[] = {RLHF_DEF(linearCrossEntropy)};
RLHF_REGISTER(registerLmLoss, ops)

}  // namespace rlhf
