// Neural-network functional ops: products, activations, norms and losses (attention: attention.cc).
#include "autocast_linear.h"
#include "core.h"

namespace rlhf {

RLHF_OP(matmul) { return wrap(a.env(), at::matmul(a.tensor(0), a.tensor(1))); }
RLHF_OP(mm) { return wrap(a.env(), at::mm(a.tensor(0), a.tensor(1))); }
RLHF_OP(bmm) { return wrap(a.env(), at::bmm(a.tensor(0), a.tensor(1))); }
RLHF_OP(einsum) { return wrap(a.env(), at::einsum(a.string(0), a.tensors(1))); }
RLHF_OP(linear) { return wrap(a.env(), dispatchLinear(a.tensor(0), a.tensor(1), a.optTensor(2))); }
// embedding(weight, indices, paddingIdx | null)
RLHF_OP(embedding) {
  return wrap(a.env(), at::embedding(a.tensor(0), a.tensor(1), a.optInt64(2).value_or(-1), false, false));
}
// layerNorm(x, normalizedShape, weight | null, bias | null, eps)
RLHF_OP(layerNorm) {
  return wrap(a.env(), at::layer_norm(a.tensor(0), a.ints(1), a.optTensor(2), a.optTensor(3), a.number(4)));
}
RLHF_OP(dropout) { return wrap(a.env(), at::dropout(a.tensor(0), a.number(1), a.boolean(2))); }

RLHF_OP(relu) { return wrap(a.env(), at::relu(a.tensor(0))); }
RLHF_OP(gelu) { return wrap(a.env(), at::gelu(a.tensor(0), a.string(1))); }
RLHF_OP(silu) { return wrap(a.env(), at::silu(a.tensor(0))); }
RLHF_OP(sigmoid) { return wrap(a.env(), at::sigmoid(a.tensor(0))); }
RLHF_OP(tanh) { return wrap(a.env(), at::tanh(a.tensor(0))); }
RLHF_OP(softplus) { return wrap(a.env(), at::softplus(a.tensor(0), a.scalar(1), a.scalar(2))); }
RLHF_OP(logsigmoid) { return wrap(a.env(), at::log_sigmoid(a.tensor(0))); }
RLHF_OP(softmax) { return wrap(a.env(), at::softmax(a.tensor(0), a.int64(1), a.optDtype(2))); }
RLHF_OP(logSoftmax) { return wrap(a.env(), at::log_softmax(a.tensor(0), a.int64(1), a.optDtype(2))); }

// crossEntropy(logits (N, C, ...), target, weight | null, reduction, ignoreIndex, labelSmoothing)
RLHF_OP(crossEntropy) {
  return wrap(a.env(), at::cross_entropy_loss(a.tensor(0), a.tensor(1), a.optTensor(2), a.int64(3), a.int64(4),
                                              a.number(5)));
}
// nllLoss(logProbs, target, weight | null, reduction, ignoreIndex)
RLHF_OP(nllLoss) {
  return wrap(a.env(), at::nll_loss_nd(a.tensor(0), a.tensor(1), a.optTensor(2), a.int64(3), a.int64(4)));
}
RLHF_OP(mseLoss) { return wrap(a.env(), at::mse_loss(a.tensor(0), a.tensor(1), a.int64(2))); }
// bceWithLogits(logits, target, weight | null, posWeight | null, reduction)
RLHF_OP(bceWithLogits) {
  return wrap(a.env(), at::binary_cross_entropy_with_logits(a.tensor(0), a.tensor(1), a.optTensor(2), a.optTensor(3),
                                                            a.int64(4)));
}

static const OpDef ops[] = {
    RLHF_DEF(matmul),   RLHF_DEF(mm),        RLHF_DEF(bmm),       RLHF_DEF(einsum),     RLHF_DEF(linear),
    RLHF_DEF(embedding), RLHF_DEF(layerNorm),  RLHF_DEF(dropout),    RLHF_DEF(relu),
    RLHF_DEF(gelu),     RLHF_DEF(silu),      RLHF_DEF(sigmoid),   RLHF_DEF(tanh),       RLHF_DEF(softplus),
    RLHF_DEF(logsigmoid), RLHF_DEF(softmax), RLHF_DEF(logSoftmax),
    RLHF_DEF(crossEntropy), RLHF_DEF(nllLoss), RLHF_DEF(mseLoss), RLHF_DEF(bceWithLogits),
};
RLHF_REGISTER(registerNn, ops)

}  // namespace rlhf
