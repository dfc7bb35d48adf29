// Per-token log-probs of chosen tokens and the entropies of the next-token distributions, chunk
// by chunk over the tokens, so no float32 (tokens, vocab) log-softmax exists whole (PPO's policy
// loss and entropy bonus, GRPO/DPO log-probs through models without a fusable head):
//
//   linearTokenStats(hidden (N, H), weight (V, H), labels (N) int64, chunkRows)
//   logitsTokenStats(logits (N, V), labels (N) int64, chunkRows)
//     -> [logp (N), entropy (N)] float32 (float64 stays): logp = log_softmax(z)[label] (0 where
//        label < 0), entropy = −Σ_v p_v log p_v, with z = hidden @ weightᵀ or the given logits.
//
// The forward keeps two numbers per token, log-sum-exp and entropy; backward recomputes one
// chunk's logits at a time and forms
//   dz = g_logp · (onehot − p) − g_entropy · p · (z − E_p[z]).
#include <algorithm>

#include "core.h"
#include "lm_head.h"

namespace rlhf {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Rows with a label < 0 have log-prob 0 and no log-prob gradient.
struct Labels {
  at::Tensor safe;   // (rows, 1) int64, 0 where invalid
  at::Tensor valid;  // (rows) bool
  explicit Labels(const at::Tensor& labels) : safe(labels.clamp_min(0).unsqueeze(1)), valid(labels.ge(0)) {}
};

// The forward over one chunk's logits z (rows, V): writes lse, log-prob and entropy rows.
// The entropy is −Σ p·(z − lse), not lse − Σ p·z, which cancels badly for large logits.
void statsChunk(const at::Tensor& z, const at::Tensor& labels, at::Tensor lse, at::Tensor logp, at::Tensor entropy) {
  Labels y(labels);
  lse.copy_(z.logsumexp({1}));
  at::Tensor shifted = z - lse.unsqueeze(1);  // log p
  logp.copy_(shifted.gather(1, y.safe).squeeze(1).masked_fill_(y.valid.logical_not(), 0));
  // p · log p is NaN at a −inf logit (p = 0): those terms are 0.
  entropy.copy_(shifted.exp().mul_(shifted).nan_to_num_(0, 0, 0).sum({1}).neg_());
}

// Turns a chunk's logits z (rows, V; a private copy) into d(loss)/dz in place:
// z − E_p[z] = log p + H, so dz = −p · (g_logp + g_entropy · (log p + H)) + g_logp · onehot.
void gradChunk(at::Tensor& z, const at::Tensor& labels, const at::Tensor& lse, const at::Tensor& entropy, const at::Tensor& gLogp,
               const at::Tensor& gEntropy) {
  Labels y(labels);
  at::Tensor gl = (gLogp.to(z.scalar_type()) * y.valid).unsqueeze(1);
  z.sub_(lse.unsqueeze(1));  // log p
  at::Tensor p = z.exp();
  z.add_(entropy.unsqueeze(1)).mul_(gEntropy.to(z.scalar_type()).unsqueeze(1)).add_(gl).mul_(p).neg_().nan_to_num_(0, 0, 0);
  z.scatter_add_(1, y.safe, gl);
}

std::vector<at::Tensor> statsBuffers(int64_t N, const at::TensorOptions& options) {
  return {at::empty({N}, options), at::empty({N}, options), at::empty({N}, options)};
}

at::Tensor gradOrZeros(const at::Tensor& g, int64_t N, const at::TensorOptions& options) {
  return g.defined() ? g : at::zeros({N}, options);
}

struct LinearTokenStats : public torch::autograd::Function<LinearTokenStats> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                               int64_t chunkRows) {
    at::ScalarType mm = lmhead::matmulDtype(hidden);
    lmhead::Head h{hidden.to(mm).contiguous(), weight.to(mm), labels, -1, 0.0, chunkRows};
    const int64_t N = hidden.size(0);
    auto b = statsBuffers(N, hidden.options().dtype(lmhead::accumulateDtype(h)));  // lse, logp, entropy
    for (int64_t start = 0; start < N; start += chunkRows) {
      const int64_t rows = std::min(chunkRows, N - start);
      statsChunk(lmhead::chunkLogits(h, start, rows), labels.narrow(0, start, rows), b[0].narrow(0, start, rows),
                 b[1].narrow(0, start, rows), b[2].narrow(0, start, rows));
    }
    ctx->save_for_backward({hidden, weight, labels, b[0], b[2]});
    ctx->saved_data["chunkRows"] = chunkRows;
    ctx->saved_data["matmulDtype"] = static_cast<int64_t>(mm);
    return {b[1], b[2]};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &hidden = saved[0], &weight = saved[1], &labels = saved[2], &lse = saved[3], &entropy = saved[4];
    auto mm = static_cast<at::ScalarType>(ctx->saved_data["matmulDtype"].toInt());
    lmhead::Head h{hidden.to(mm).contiguous(), weight.to(mm), labels, -1, 0.0, ctx->saved_data["chunkRows"].toInt()};
    const bool needHidden = ctx->needs_input_grad(0), needWeight = ctx->needs_input_grad(1);
    const int64_t N = hidden.size(0);
    at::Tensor gLogp = gradOrZeros(grads[0], N, lse.options()), gEntropy = gradOrZeros(grads[1], N, lse.options());
    at::Tensor dHidden = needHidden ? at::empty({N, hidden.size(1)}, h.hidden.options()) : at::Tensor();
    at::Tensor dWeight = needWeight ? lmhead::weightGradBuffer(h, weight, N) : at::Tensor();
    for (int64_t start = 0; start < N && (needHidden || needWeight); start += h.chunkRows) {
      const int64_t rows = std::min(h.chunkRows, N - start);
      at::Tensor z = lmhead::chunkLogits(h, start, rows);
      gradChunk(z, labels.narrow(0, start, rows), lse.narrow(0, start, rows), entropy.narrow(0, start, rows),
                gLogp.narrow(0, start, rows), gEntropy.narrow(0, start, rows));
      lmhead::accumulateGrads(h, z.to(h.hidden.scalar_type()), start, rows, dHidden, dWeight);
    }
    return {dHidden.defined() ? dHidden.to(hidden.scalar_type()) : dHidden,
            dWeight.defined() ? dWeight.to(weight.scalar_type()) : dWeight, at::Tensor(), at::Tensor()};
  }
};

struct LogitsTokenStats : public torch::autograd::Function<LogitsTokenStats> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& labels, int64_t chunkRows) {
    const at::ScalarType acc = at::promote_types(logits.scalar_type(), at::kFloat);
    const int64_t N = logits.size(0);
    auto b = statsBuffers(N, logits.options().dtype(acc));  // lse, logp, entropy
    for (int64_t start = 0; start < N; start += chunkRows) {
      const int64_t rows = std::min(chunkRows, N - start);
      statsChunk(logits.narrow(0, start, rows).to(acc), labels.narrow(0, start, rows), b[0].narrow(0, start, rows),
                 b[1].narrow(0, start, rows), b[2].narrow(0, start, rows));
    }
    ctx->save_for_backward({logits, labels, b[0], b[2]});
    ctx->saved_data["chunkRows"] = chunkRows;
    return {b[1], b[2]};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &logits = saved[0], &labels = saved[1], &lse = saved[2], &entropy = saved[3];
    const int64_t chunkRows = ctx->saved_data["chunkRows"].toInt();
    const int64_t N = logits.size(0);
    at::Tensor gLogp = gradOrZeros(grads[0], N, lse.options()), gEntropy = gradOrZeros(grads[1], N, lse.options());
    at::Tensor dLogits = at::empty_like(logits, at::MemoryFormat::Contiguous);
    for (int64_t start = 0; start < N; start += chunkRows) {
      const int64_t rows = std::min(chunkRows, N - start);
      // A private float copy: gradChunk works in place.
      at::Tensor z = logits.narrow(0, start, rows).to(lse.scalar_type(), /*non_blocking=*/false, /*copy=*/true);
      gradChunk(z, labels.narrow(0, start, rows), lse.narrow(0, start, rows), entropy.narrow(0, start, rows),
                gLogp.narrow(0, start, rows), gEntropy.narrow(0, start, rows));
      dLogits.narrow(0, start, rows).copy_(z);
    }
    return {dLogits, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

// linearTokenStats(hidden (N, H), weight (V, H), labels (N), chunkRows) -> [logp (N), entropy (N)]
RLHF_OP(linearTokenStats) {
  const at::Tensor& hidden = a.tensor(0);
  const at::Tensor& weight = a.tensor(1);
  const at::Tensor& labels = a.tensor(2);
  const int64_t chunkRows = a.int64(3);
  if (hidden.dim() != 2 || weight.dim() != 2 || hidden.size(1) != weight.size(1)) a.typeError(0, "hidden (N, H) and weight (V, H)");
  if (labels.dim() != 1 || labels.size(0) != hidden.size(0) || labels.scalar_type() != at::kLong) a.typeError(2, "int64 labels (N)");
  if (chunkRows < 1) a.typeError(3, "a positive chunk size");
  auto out = LinearTokenStats::apply(hidden, weight, labels, chunkRows);
  return wrapAll(a.env(), {out[0], out[1]});
}

// logitsTokenStats(logits (N, V), labels (N), chunkRows) -> [logp (N), entropy (N)]
RLHF_OP(logitsTokenStats) {
  const at::Tensor& logits = a.tensor(0);
  const at::Tensor& labels = a.tensor(1);
  const int64_t chunkRows = a.int64(2);
  if (logits.dim() != 2 || logits.size(1) < 1) a.typeError(0, "logits (N, V)");
  if (labels.dim() != 1 || labels.size(0) != logits.size(0) || labels.scalar_type() != at::kLong) a.typeError(1, "int64 labels (N)");
  if (chunkRows < 1) a.typeError(2, "a positive chunk size");
  auto out = LogitsTokenStats::apply(logits, labels, chunkRows);
  return wrapAll(a.env(), {out[0], out[1]});
}

static const OpDef ops[] = {RLHF_DEF(linearTokenStats), RLHF_DEF(logitsTokenStats)};
RLHF_REGISTER(registerLmTokenStats, ops)

}  // namespace rlhf
