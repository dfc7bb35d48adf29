// Gathering, scattering, masking, sorting and sampling.
#include "core.h"

namespace rlhf {

RLHF_OP(gather) { return wrap(a.env(), at::gather(a.tensor(0), a.int64(1), a.tensor(2))); }
// scatter(x, dim, index, src tensor | scalar)
RLHF_OP(scatter) {
  if (a.isTensor(3)) return wrap(a.env(), at::scatter(a.tensor(0), a.int64(1), a.tensor(2), a.tensor(3)));
  return wrap(a.env(), at::scatter(a.tensor(0), a.int64(1), a.tensor(2), a.scalar(3)));
}
RLHF_OP(scatterAdd) { return wrap(a.env(), at::scatter_add(a.tensor(0), a.int64(1), a.tensor(2), a.tensor(3))); }
RLHF_OP(indexSelect) { return wrap(a.env(), at::index_select(a.tensor(0), a.int64(1), a.tensor(2))); }
// index(x, indices): advanced indexing with one (possibly null) index tensor per leading dim.
RLHF_OP(index) {
  auto arr = a.info()[1].As<Napi::Array>();
  c10::List<c10::optional<at::Tensor>> indices;
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    if (v.IsNull() || v.IsUndefined()) {
      indices.push_back(c10::nullopt);
    } else {
      Handle* h = lookup(v);
      if (h == nullptr) a.typeError(1, "an array of live tensors or nulls");
      indices.push_back(h->tensor);
    }
  }
  return wrap(a.env(), at::index(a.tensor(0), indices));
}
RLHF_OP(maskedFill) {
  if (a.isTensor(2)) return wrap(a.env(), at::masked_fill(a.tensor(0), a.tensor(1), a.tensor(2)));
  return wrap(a.env(), at::masked_fill(a.tensor(0), a.tensor(1), a.scalar(2)));
}
RLHF_OP(maskedSelect) { return wrap(a.env(), at::masked_select(a.tensor(0), a.tensor(1))); }
RLHF_OP(nonzero) { return wrap(a.env(), at::nonzero(a.tensor(0))); }
// topk(x, k, dim, largest, sorted) -> [values, indices]
RLHF_OP(topk) {
  auto [values, indices] = at::topk(a.tensor(0), a.int64(1), a.int64(2), a.boolean(3), a.boolean(4));
  return wrapAll(a.env(), {values, indices});
}
// sort(x, dim, descending, stable) -> [values, indices]
RLHF_OP(sort) {
  auto [values, indices] = at::sort(a.tensor(0), a.boolean(3), a.int64(1), a.boolean(2));
  return wrapAll(a.env(), {values, indices});
}
RLHF_OP(argsort) {
  auto [values, indices] = at::sort(a.tensor(0), a.boolean(3), a.int64(1), a.boolean(2));
  return wrap(a.env(), indices);
}
RLHF_OP(multinomial) { return wrap(a.env(), at::multinomial(a.tensor(0), a.int64(1), a.boolean(2))); }
RLHF_OP(oneHot) { return wrap(a.env(), at::one_hot(a.tensor(0), a.int64(1))); }
RLHF_OP(triu) { return wrap(a.env(), at::triu(a.tensor(0), a.int64(1))); }
RLHF_OP(tril) { return wrap(a.env(), at::tril(a.tensor(0), a.int64(1))); }

static const OpDef ops[] = {
    RLHF_DEF(gather),  RLHF_DEF(scatter),     RLHF_DEF(scatterAdd), RLHF_DEF(indexSelect), RLHF_DEF(index),
    RLHF_DEF(maskedFill), RLHF_DEF(maskedSelect), RLHF_DEF(nonzero), RLHF_DEF(topk),     RLHF_DEF(sort),
    RLHF_DEF(argsort), RLHF_DEF(multinomial), RLHF_DEF(oneHot),     RLHF_DEF(triu),        RLHF_DEF(tril),
};
RLHF_REGISTER(registerIndexing, ops)

}  // namespace rlhf
