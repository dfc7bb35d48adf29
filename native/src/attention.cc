// Scaled dot-product attention: float32 on the CPU through the addon's fused kernel
// (cpu_attention.cc); elsewhere libtorch's fused kernel where the linked version has one, and
// where it has none (1.13) the math written out, causal blocks that skip masked keys, and a
// one-query form for decoding.
#include "core.h"
#include "decode_attention.h"
#include "blas.h"
#include "cpu_attention.h"

namespace rlhf {

namespace {
// softmax(q kᵀ · scale + mask) v, written out; used where libtorch has no fused kernel.
at::Tensor attentionMath(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const c10::optional<at::Tensor>& mask, double dropout, bool causal, double scale) {
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * scale;  // (..., L, S)
  int64_t L = q.size(-2), S = k.size(-2);
  if (causal) {
    at::Tensor keep = at::ones({L, S}, q.options().dtype(at::kBool)).tril();
    scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
  }
  if (mask) {
    if (mask->scalar_type() == at::kBool) {
      scores = scores.masked_fill(mask->logical_not(), -std::numeric_limits<double>::infinity());
    } else {
      scores = scores + *mask;
    }
  }
  at::Tensor probs = at::softmax(scores, -1);
  if (dropout > 0) probs = at::dropout(probs, dropout, true);
  return at::matmul(probs, v);
}

#if !RLHF_TORCH_AT_LEAST(2, 1)
// Causal attention in blocks of queries: block [s, e) reads keys [0, e) only, so the keys every
// query of the block is barred from are never multiplied, masked or softmaxed (T = 256 in blocks
// of 64: 62.5% of the full product). `mask`, if given, is additive, already hides future keys and
// broadcasts to (..., L, S); without one the diagonal block gets the causal -inf itself. Real
// rows equal the full computation (their skipped keys weigh exp(-inf) = 0); a row with every key
// masked (a padding query) spreads its weight over keys [0, e) instead of all S. Autograd
// differentiates the composed ops, so the backward pass skips the same blocks.
at::Tensor attentionBlockedCausal(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                  const c10::optional<at::Tensor>& mask, double scale, int64_t block) {
  // Grouped heads: the G query heads of a key/value head form one (G·n)-row product with it,
  // so keys and values are never copied per query head.
  int64_t L = q.size(-2), d = q.size(-1), H = q.size(-3), KV = k.size(-3), G = H / KV;
  std::vector<int64_t> lead(q.sizes().begin(), q.sizes().end() - 3);
  auto shape = [&](std::initializer_list<int64_t> tail) {
    std::vector<int64_t> out = lead;
    out.insert(out.end(), tail);
    return out;
  };
  at::Tensor scaled = (q * scale).view(shape({KV, G, L, d}));
  // The mask seen as (..., KV, G, L|1, S): per-head masks split like the heads, others broadcast.
  c10::optional<at::Tensor> groupedMask;
  if (mask && mask->dim() >= 3 && mask->size(-3) == H && H > 1) {
    std::vector<int64_t> ms(mask->sizes().begin(), mask->sizes().end() - 3);
    ms.insert(ms.end(), {KV, G, mask->size(-2), mask->size(-1)});
    groupedMask = mask->reshape(ms);
  } else if (mask) {
    groupedMask = mask->dim() >= 3 ? mask->unsqueeze(-3) : *mask;
  }
  std::vector<at::Tensor> outs;
  for (int64_t s = 0; s < L; s += block) {
    int64_t n = std::min(block, L - s), e = s + n;
    at::Tensor rows = scaled.narrow(-2, s, n).reshape(shape({KV, G * n, d}));
    at::Tensor scores = at::matmul(rows, k.narrow(-2, 0, e).transpose(-2, -1)).view(shape({KV, G, n, e}));
    if (groupedMask) {
      const at::Tensor& gm = *groupedMask;
      at::Tensor m = gm.size(-2) == 1 ? gm : gm.narrow(-2, s, n);
      scores.add_(m.narrow(-1, 0, e));
    } else {
      // Query s + i may read key j <= s + i: -inf above the block's diagonal.
      at::Tensor future = at::ones({n, e}, q.options().dtype(at::kBool)).triu(s + 1);
      scores.masked_fill_(future, -std::numeric_limits<double>::infinity());
    }
    at::Tensor probs = at::softmax(scores, -1).view(shape({KV, G * n, e}));
    outs.push_back(at::matmul(probs, v.narrow(-2, 0, e)).view(shape({KV, G, n, v.size(-1)})));
  }
  return at::cat(outs, -2).reshape(shape({H, L, v.size(-1)}));
}
#endif

// One query position per row (decoding with a KV cache), as elementwise products and sums: a
// batched GEMM of 1 x d by d x S per head costs a BLAS call per head on libtorch 1.13 (~2.5x
// slower here). Grouped key/value heads are broadcast over their query heads, never copied.
at::Tensor attentionOneQuery(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             const c10::optional<at::Tensor>& mask, double scale, int64_t groups) {
  auto sizes = q.sizes().vec();  // (..., H, 1, d)
  int64_t d = q.size(-1);
  std::vector<int64_t> grouped(sizes.begin(), sizes.end() - 3);
  grouped.insert(grouped.end(), {k.size(-3), groups, 1, d});  // (..., KV, G, 1, d)
  at::Tensor qg = (q * scale).reshape(grouped);
  at::Tensor scores = (qg * k.unsqueeze(-3)).sum(-1);  // (..., KV, G, S)
  std::vector<int64_t> flat(sizes.begin(), sizes.end() - 1);
  flat.push_back(k.size(-2));  // (..., H, 1, S)
  scores = scores.reshape(flat);
  if (mask) scores = mask->scalar_type() == at::kBool
                         ? scores.masked_fill(mask->logical_not(), -std::numeric_limits<double>::infinity())
                         : scores + *mask;
  at::Tensor probs = at::softmax(scores, -1);  // (..., H, 1, S)
  grouped[grouped.size() - 2] = k.size(-2);
  grouped.back() = 1;  // (..., KV, G, S, 1)
  at::Tensor out = (probs.reshape(grouped) * v.unsqueeze(-3)).sum(-2);  // (..., KV, G, dv)
  sizes.back() = v.size(-1);
  return out.reshape(sizes);
}
}  // namespace

// sdpa(q, k, v, mask | null, dropout, isCausal, scale | null, forceMath, maskIsCausal, enableGqa)
// Boolean masks mark positions that may be attended (true) as in PyTorch.
RLHF_OP(sdpa) {
  const at::Tensor& q = a.tensor(0);
  at::Tensor k = a.tensor(1);
  at::Tensor v = a.tensor(2);
  auto mask = a.optTensor(3);
  double dropout = a.number(4);
  bool causal = a.boolean(5);
  auto scale = a.optNumber(6);
  bool forceMath = a.boolean(7);
  bool maskIsCausal = a.boolean(8);
  bool enableGqa = a.boolean(9);
  if (causal && mask) throw Napi::Error::New(a.env(), "sdpa: pass either a mask or isCausal, not both (as in PyTorch)");
  int64_t heads = q.dim() >= 3 ? q.size(-3) : 1, kvHeads = k.dim() >= 3 ? k.size(-3) : 1;
  bool grouped = enableGqa && heads != kvHeads;
  // The one-query and blocked forms pair query head h with key/value head h / (heads / kvHeads).
  bool headsPair = q.dim() >= 3 && (grouped || heads == kvHeads);
  if (grouped && (q.dim() < 3 || heads % kvHeads != 0 || v.size(-3) != kvHeads)) {
    throw Napi::Error::New(a.env(), "sdpa: enableGqa needs query heads (" + std::to_string(heads) +
                                        ") divisible by key/value heads (" + std::to_string(kvHeads) + ")");
  }
  double s = scale.value_or(1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  int64_t L = q.size(-2);
  // Float32 on the CPU takes the addon's kernel (faster than libtorch's math path, and than
  // 2.x's flash kernel on the benchmark model); a mask that hides every future key lets it
  // skip them as isCausal does.
  bool skipFuture = causal || (mask && maskIsCausal && L == k.size(-2));
  bool pairable = grouped || heads == kvHeads || kvHeads == 1;
  if (!forceMath && L > 1 && pairable && cpuAttentionFits(q, k, v, mask, dropout, skipFuture)) {
    return wrap(a.env(), cpuAttention(q, k, v, mask, skipFuture, s));
  }
  if (!forceMath && L == 1 && !causal && dropout == 0 && headsPair && decodeAttentionFits(q, k, v, mask)) {
    return wrap(a.env(), decodeAttention(q, k, v, mask, s));
  }
#if RLHF_TORCH_AT_LEAST(2, 5)
  // Key/value heads shared by query groups without copying them out per query head.
  if (!forceMath) return wrap(a.env(), at::scaled_dot_product_attention(q, k, v, mask, dropout, causal, scale, grouped));
#endif
  if (!forceMath && L == 1 && !causal && dropout == 0 && headsPair) {
    return wrap(a.env(), attentionOneQuery(q, k, v, mask, s, heads / kvHeads));
  }
#if !RLHF_TORCH_AT_LEAST(2, 1)
  // Without a fused kernel (other dtypes), causal self-attention (no cache: L == S) skips the masked key blocks.
  int64_t block = L <= 512 ? 64 : 128;
  bool additive = !mask || (at::isFloatingType(mask->scalar_type()) && mask->dim() >= 2 &&
                            (mask->size(-2) == 1 || mask->size(-2) == L) && mask->size(-1) == L);
  if (!forceMath && (causal || (mask && maskIsCausal)) && additive && dropout == 0 && L == k.size(-2) && L > block &&
      headsPair) {
    return wrap(a.env(), attentionBlockedCausal(q, k, v, mask, s, block));
  }
#endif
  // Elsewhere query head h reads key/value head h / groups from an expanded copy (transformers' repeat_kv).
  auto repeatKv = [&](const at::Tensor& x) {
    auto sizes = x.sizes().vec();
    std::vector<int64_t> expanded(sizes.begin(), sizes.end());
    expanded.insert(expanded.end() - 2, heads / kvHeads);
    sizes[sizes.size() - 3] = heads;
    return x.unsqueeze(-3).expand(expanded).reshape(sizes);
  };
  if (grouped) {
    k = repeatKv(k);
    v = repeatKv(v);
  }
#if RLHF_TORCH_AT_LEAST(2, 1)
  if (!forceMath) return wrap(a.env(), at::scaled_dot_product_attention(q, k, v, mask, dropout, causal, scale));
#endif
  return wrap(a.env(), attentionMath(q, k, v, mask, dropout, causal, s));
}
RLHF_OP(hasFusedAttention) { return Napi::Boolean::New(a.env(), RLHF_TORCH_AT_LEAST(2, 1)); }

// sdpaPacked(q (1, H, N, d), k, v (1, KV, N, d), starts int64 [0, ..., N], scale | null): causal
// attention within each packed sequence.
RLHF_OP(sdpaPacked) {
  const at::Tensor& q = a.tensor(0);
  auto scale = a.optNumber(4);
  double s = scale.value_or(1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  return wrap(a.env(), cpuAttentionPacked(q, a.tensor(1), a.tensor(2), a.tensor(3), s));
}
// Whether float32 CPU attention here can run packed: the addon's kernel with libtorch's BLAS, and
// no CPU autocast turning the projections into bfloat16.
RLHF_OP(packedAttentionAvailable) {
  return Napi::Boolean::New(a.env(), hasBlas() && !autocastEnabled(at::kCPU));
}

static const OpDef ops[] = {RLHF_DEF(sdpa), RLHF_DEF(hasFusedAttention), RLHF_DEF(sdpaPacked),
                            RLHF_DEF(packedAttentionAvailable)};
RLHF_REGISTER(registerAttention, ops)

}  // namespace rlhf
