// Scaled dot-product attention on the CPU in the manner of FlashAttention (Dao et al. 2022):
// each (batch, head) works through blocks of query rows, multiplies them with the keys they
// may read straight from BLAS (a causal block never touches the keys after it), and keeps
// only each row's log-sum-exp for the backward pass, which recomputes the probabilities
// block by block. Memory stays O(L) per head instead of the (L, S) probability matrix, and
// the per-head products skip the dispatcher, which on libtorch 1.13 runs a batched matmul as
// one small addmm per batch entry.
#include "cpu_attention.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "blas.h"
#include "vec8.h"

namespace rlhf {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kRowBlock = 64;

// Where everything lives: element strides over (batch, head, position); the mask's over
// (batch, head, query, key), 0 where it broadcasts.
struct Layout {
  int64_t B, H, KV, L, S, d, dv;
  int64_t qb, qh, ql, kb, kh, kl, vb, vh, vl;
  const float* mask = nullptr;
  int64_t mb = 0, mh = 0, mq = 0, mk = 0;
  bool causal;
  float scale;
  // Packed sequences (B = 1): sequence u holds positions [cu[u], cu[u + 1]); null for a batch.
  const int64_t* cu = nullptr;
  int64_t sequences = 0;

  int64_t groups() const { return H / KV; }
  // The units of work: batch entries, or packed sequences.
  int64_t units() const { return cu != nullptr ? sequences : B; }
  int64_t batchOf(int64_t u) const { return cu != nullptr ? 0 : u; }
  int64_t startOf(int64_t u) const { return cu != nullptr ? cu[u] : 0; }
  int64_t rowsOf(int64_t u) const { return cu != nullptr ? cu[u + 1] - cu[u] : L; }
  // Keys a block of rows of unit u ending at `end` may read.
  int64_t keysFor(int64_t u, int64_t end) const { return causal ? end : (cu != nullptr ? rowsOf(u) : S); }
};

// Scores of rows [s, s + n) of head h against keys [0, keys): scale · q kᵀ + mask, -inf
// after the diagonal when causal. W is n × keys.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void blockScores(const Layout& o, const float* q,
                                                                              const float* k, int64_t b, int64_t h,
                                                                              int64_t s, int64_t n, int64_t keys,
                                                                              float* W) {
  gemmRowMajor(false, true, n, keys, o.d, o.scale, q + s * o.ql, o.ql, k, o.kl, 0.0f, W, keys);
  for (int64_t i = 0; i < n; i++) {
    float* row = W + i * keys;
    if (o.mask != nullptr) {
      const float* m = o.mask + b * o.mb + h * o.mh + (s + i) * o.mq;
      if (o.mk == 1) {
        for (int64_t j = 0; j < keys; j++) row[j] += m[j];
      } else {
        for (int64_t j = 0; j < keys; j++) row[j] += m[j * o.mk];
      }
    }
    if (o.causal) std::fill(row + std::min(keys, s + i + 1), row + keys, kNegInf);
  }
}

// Rows of scores become probabilities in place; lse[i] = log Σ_j e^{score_ij}.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void softmaxRows(float* W, int64_t n, int64_t keys,
                                                                              float* lse) {
  for (int64_t i = 0; i < n; i++) {
    float* row = W + i * keys;
    const float m = rowMax(row, keys);
    if (m == kNegInf) {  // no key to read: zeros, and a backward pass that sends nothing back
      std::fill(row, row + keys, 0.0f);
      lse[i] = std::numeric_limits<float>::infinity();
      continue;
    }
    const float sum = expShifted(row, keys, m);
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < keys; j++) row[j] *= inv;
    lse[i] = m + std::log(sum);
  }
}

// Scores back to probabilities in place: P = e^{score − lse} (0 where lse is +inf).
__attribute__((target_clones("arch=x86-64-v3", "default"))) void probabilityRows(float* W, int64_t n, int64_t keys,
                                                                                  const float* lse) {
  for (int64_t i = 0; i < n; i++) expShifted(W + i * keys, keys, lse[i]);
}

// Probabilities to score gradients in place: dS = scale · P ⊙ (dP − Σ_c dO_c O_c), dP in G.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void scoreGradRows(float* W, const float* G, int64_t n,
                                                                                int64_t keys, const float* dO,
                                                                                int64_t dol, const float* O,
                                                                                int64_t ol, int64_t dv, float scale) {
  for (int64_t i = 0; i < n; i++) {
    float* row = W + i * keys;
    const float* g = G + i * keys;
    const float* dOi = dO + i * dol;
    const float* Oi = O + i * ol;
    const float D = laneSum(dv, [&](int64_t c) { return dOi[c] * Oi[c]; });
    for (int64_t j = 0; j < keys; j++) row[j] = scale * row[j] * (g[j] - D);
  }
}

struct Forward {
  const Layout& o;
  const float* q;
  const float* k;
  const float* v;
  float* out;  // (B, L, H, dv) contiguous
  float* lse;  // (B, H, L)

  // Head h of unit u (a batch entry, or a packed sequence starting at position p0 of batch row 0).
  void head(int64_t u, int64_t h, std::vector<float>& W) const {
    const int64_t kvh = h / o.groups(), b = o.batchOf(u), p0 = o.startOf(u), L = o.rowsOf(u);
    const float* qh = q + b * o.qb + h * o.qh + p0 * o.ql;
    const float* kh = k + b * o.kb + kvh * o.kh + p0 * o.kl;
    const float* vh = v + b * o.vb + kvh * o.vh + p0 * o.vl;
    const int64_t ol = o.H * o.dv;
    float* oh = out + (b * o.L + p0) * ol + h * o.dv;
    float* lh = lse + (b * o.H + h) * o.L + p0;
    for (int64_t s = 0; s < L; s += kRowBlock) {
      const int64_t n = std::min(kRowBlock, L - s), keys = o.keysFor(u, s + n);
      blockScores(o, qh, kh, b, h, s, n, keys, W.data());
      softmaxRows(W.data(), n, keys, lh + s);
      gemmRowMajor(false, false, n, o.dv, keys, 1.0f, W.data(), keys, vh, o.vl, 0.0f, oh + s * ol, ol);
    }
  }
};

struct Backward {
  const Layout& o;
  const float *q, *k, *v, *out, *lse, *dO;
  int64_t dob, doh, dol;  // strides of dO (B, H, L, dv)
  float* dq;              // (B, L, H, d) contiguous
  float* dk;              // (B, KV, S, d) contiguous, zeroed
  float* dv;              // (B, KV, S, dv) contiguous, zeroed

  // Every query head of key/value head kvh, so dk and dv of (u, kvh) have one writer.
  void kvHead(int64_t u, int64_t kvh, std::vector<float>& W, std::vector<float>& G) const {
    const int64_t b = o.batchOf(u), p0 = o.startOf(u), L = o.rowsOf(u);
    const float* kh = k + b * o.kb + kvh * o.kh + p0 * o.kl;
    const float* vh = v + b * o.vb + kvh * o.vh + p0 * o.vl;
    float* dkh = dk + ((b * o.KV + kvh) * o.S + p0) * o.d;
    float* dvh = dv + ((b * o.KV + kvh) * o.S + p0) * o.dv;
    const int64_t ol = o.H * o.dv, dql = o.H * o.d;
    for (int64_t h = kvh * o.groups(); h < (kvh + 1) * o.groups(); h++) {
      const float* qh = q + b * o.qb + h * o.qh + p0 * o.ql;
      const float* oh = out + (b * o.L + p0) * ol + h * o.dv;
      const float* dOh = dO + b * dob + h * doh + p0 * dol;
      const float* lh = lse + (b * o.H + h) * o.L + p0;
      float* dqh = dq + (b * o.L + p0) * dql + h * o.d;
      for (int64_t s = 0; s < L; s += kRowBlock) {
        const int64_t n = std::min(kRowBlock, L - s), keys = o.keysFor(u, s + n);
        blockScores(o, qh, kh, b, h, s, n, keys, W.data());
        probabilityRows(W.data(), n, keys, lh + s);
        // dV += Pᵀ dO; dP = dO vᵀ; dS from both; dQ = dS k; dK += dSᵀ q (scale folded into dS).
        gemmRowMajor(true, false, keys, o.dv, n, 1.0f, W.data(), keys, dOh + s * dol, dol, 1.0f, dvh, o.dv);
        gemmRowMajor(false, true, n, keys, o.dv, 1.0f, dOh + s * dol, dol, vh, o.vl, 0.0f, G.data(), keys);
        scoreGradRows(W.data(), G.data(), n, keys, dOh + s * dol, dol, oh + s * ol, ol, o.dv, o.scale);
        gemmRowMajor(false, false, n, o.d, keys, 1.0f, W.data(), keys, kh, o.kl, 0.0f, dqh + s * dql, dql);
        gemmRowMajor(true, false, keys, o.d, n, 1.0f, W.data(), keys, qh + s * o.ql, o.ql, 1.0f, dkh, o.d);
      }
    }
  }
};

Layout layoutOf(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                const at::Tensor& cu, bool causal, double scale) {
  Layout o{};
  o.B = q.size(0), o.H = q.size(1), o.KV = k.size(1), o.L = q.size(2), o.S = k.size(2), o.d = q.size(3);
  o.dv = v.size(3);
  o.qb = q.stride(0), o.qh = q.stride(1), o.ql = q.stride(2);
  o.kb = k.stride(0), o.kh = k.stride(1), o.kl = k.stride(2);
  o.vb = v.stride(0), o.vh = v.stride(1), o.vl = v.stride(2);
  if (mask.numel() > 0) {
    o.mask = mask.data_ptr<float>();
    o.mb = mask.stride(0), o.mh = mask.stride(1), o.mq = mask.stride(2), o.mk = mask.stride(3);
  }
  if (cu.numel() > 0) {
    o.cu = cu.data_ptr<int64_t>();
    o.sequences = cu.numel() - 1;
  }
  o.causal = causal;
  o.scale = static_cast<float>(scale);
  return o;
}

// BLAS wants a leading dimension of at least the row length: a size-1 dim may carry any stride.
at::Tensor withRowStrides(const at::Tensor& x) {
  bool ok = x.stride(3) == 1 && (x.size(2) == 1 || x.stride(2) >= x.size(3));
  return ok ? x : x.contiguous();
}

struct FusedAttention : public torch::autograd::Function<FusedAttention> {
  // mask: empty (none; libtorch 1.13's apply takes no undefined tensor), or float32 expanded to
  // (B, H, L, S). cu: empty, or int64 sequence starts of packed sequences (B = 1) and their end.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& qIn, const at::Tensor& kIn, const at::Tensor& vIn,
                            const at::Tensor& mask, const at::Tensor& cu, bool causal, double scale) {
    at::Tensor q = withRowStrides(qIn), k = withRowStrides(kIn), v = withRowStrides(vIn);
    const Layout o = layoutOf(q, k, v, mask, cu, causal, scale);
    at::Tensor out = at::empty({o.B, o.L, o.H, o.dv}, q.options());
    at::Tensor lse = at::empty({o.B, o.H, o.L}, q.options());
    const Forward f{o, q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(), out.data_ptr<float>(),
                    lse.data_ptr<float>()};
    at::parallel_for(0, o.units() * o.H, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> W(kRowBlock * o.S);
      for (int64_t t = begin; t < end; t++) f.head(t / o.H, t % o.H, W);
    });
    at::Tensor result = out.transpose(1, 2);  // (B, H, L, dv), a view
    ctx->save_for_backward({q, k, v, out, lse});
    ctx->saved_data["mask"] = mask;
    ctx->saved_data["cu"] = cu;
    ctx->saved_data["causal"] = causal;
    ctx->saved_data["scale"] = scale;
    return result;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &out = saved[3], &lse = saved[4];
    const at::Tensor mask = ctx->saved_data["mask"].toTensor();
    const at::Tensor cu = ctx->saved_data["cu"].toTensor();
    const Layout o =
        layoutOf(q, k, v, mask, cu, ctx->saved_data["causal"].toBool(), ctx->saved_data["scale"].toDouble());
    at::Tensor dO = withRowStrides(grads[0]);
    at::Tensor dq = at::empty({o.B, o.L, o.H, o.d}, q.options());
    at::Tensor dk = at::zeros({o.B, o.KV, o.S, o.d}, k.options());
    at::Tensor dv = at::zeros({o.B, o.KV, o.S, o.dv}, v.options());
    const Backward bw{o,
                      q.data_ptr<float>(),
                      k.data_ptr<float>(),
                      v.data_ptr<float>(),
                      out.data_ptr<float>(),
                      lse.data_ptr<float>(),
                      dO.data_ptr<float>(),
                      dO.stride(0),
                      dO.stride(1),
                      dO.stride(2),
                      dq.data_ptr<float>(),
                      dk.data_ptr<float>(),
                      dv.data_ptr<float>()};
    at::parallel_for(0, o.units() * o.KV, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> W(kRowBlock * o.S), G(kRowBlock * o.S);
      for (int64_t t = begin; t < end; t++) bw.kvHead(t / o.KV, t % o.KV, W, G);
    });
    return {dq.transpose(1, 2), dk, dv, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

bool broadcastsTo(const at::Tensor& m, const std::vector<int64_t>& shape) {
  if (m.dim() > static_cast<int64_t>(shape.size())) return false;
  for (int64_t i = 1; i <= m.dim(); i++) {
    int64_t have = m.size(-i), want = shape[shape.size() - i];
    if (have != 1 && have != want) return false;
  }
  return true;
}

}  // namespace

bool cpuAttentionFits(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                      const c10::optional<at::Tensor>& mask, double dropout, bool causal) {
  auto plain = [](const at::Tensor& x) {
    return x.device().is_cpu() && x.scalar_type() == at::kFloat && x.dim() == 4 && x.numel() > 0 && x.layout() == at::kStrided;
  };
  if (!plain(q) || !plain(k) || !plain(v) || dropout != 0 || !hasBlas()) return false;
  int64_t B = q.size(0), H = q.size(1), L = q.size(2), KV = k.size(1), S = k.size(2);
  if (k.size(0) != B || v.size(0) != B || v.size(1) != KV || v.size(2) != S || k.size(3) != q.size(3)) return false;
  if (H % KV != 0 || (causal && L != S)) return false;
  if (mask) {
    if (mask->device() != q.device() || mask->requires_grad()) return false;
    if (mask->scalar_type() != at::kFloat && mask->scalar_type() != at::kBool) return false;
    if (!broadcastsTo(*mask, {B, H, L, S})) return false;
  }
  return true;
}

at::Tensor cpuAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                        const c10::optional<at::Tensor>& mask, bool causal, double scale) {
  at::Tensor additive = at::empty({0}, q.options());
  if (mask) {
    additive = mask->scalar_type() == at::kBool ? at::zeros(mask->sizes(), q.options()).masked_fill(mask->logical_not(), kNegInf)
                                                : *mask;
    additive = additive.expand({q.size(0), q.size(1), q.size(2), k.size(2)});
  }
  return FusedAttention::apply(q, k, v, additive, at::empty({0}, q.options().dtype(at::kLong)), causal, scale);
}

at::Tensor cpuAttentionPacked(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& starts,
                              double scale) {
  TORCH_CHECK(cpuAttentionFits(q, k, v, c10::nullopt, 0.0, true) && q.size(0) == 1,
              "packed attention takes float32 CPU q (1, H, N, d), k and v (1, KV, N, d) with H a multiple of KV; got ",
              q.sizes(), " ", q.scalar_type(), " on ", q.device(), ", ", k.sizes(), ", ", v.sizes());
  TORCH_CHECK(starts.dim() == 1 && starts.numel() >= 2 && starts.scalar_type() == at::kLong && starts.device().is_cpu(),
              "packed attention: sequence starts must be a CPU int64 vector [0, ..., N]");
  at::Tensor cu = starts.contiguous();
  const int64_t* c = cu.data_ptr<int64_t>();
  TORCH_CHECK(c[0] == 0 && c[cu.numel() - 1] == q.size(2), "packed attention: sequence starts must run from 0 to N = ",
              q.size(2), ", got ", c[0], " to ", c[cu.numel() - 1]);
  for (int64_t i = 1; i < cu.numel(); i++) TORCH_CHECK(c[i] >= c[i - 1], "packed attention: sequence starts must not decrease");
  return FusedAttention::apply(q, k, v, at::empty({0}, q.options()), cu, true, scale);
}

}  // namespace rlhf
