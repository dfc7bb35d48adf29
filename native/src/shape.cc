// Views and shape manipulation, joining and splitting.
#include "core.h"

namespace rlhf {

RLHF_OP(reshape) { return wrap(a.env(), a.tensor(0).reshape(a.ints(1))); }
RLHF_OP(view) { return wrap(a.env(), a.tensor(0).view(a.ints(1))); }
RLHF_OP(transpose) { return wrap(a.env(), a.tensor(0).transpose(a.int64(1), a.int64(2))); }
RLHF_OP(permute) { return wrap(a.env(), a.tensor(0).permute(a.ints(1))); }
RLHF_OP(squeeze) {
  if (a.isNullish(1)) return wrap(a.env(), a.tensor(0).squeeze());
  return wrap(a.env(), a.tensor(0).squeeze(a.int64(1)));
}
RLHF_OP(unsqueeze) { return wrap(a.env(), a.tensor(0).unsqueeze(a.int64(1))); }
RLHF_OP(expand) { return wrap(a.env(), a.tensor(0).expand(a.ints(1))); }
RLHF_OP(flatten) { return wrap(a.env(), a.tensor(0).flatten(a.int64(1), a.int64(2))); }
RLHF_OP(narrow) { return wrap(a.env(), a.tensor(0).narrow(a.int64(1), a.int64(2), a.int64(3))); }
// slice(x, dim, start | null, end | null, step)
RLHF_OP(slice) {
  return wrap(a.env(), a.tensor(0).slice(a.int64(1), a.optInt64(2), a.optInt64(3), a.int64(4)));
}
RLHF_OP(select) { return wrap(a.env(), a.tensor(0).select(a.int64(1), a.int64(2))); }
RLHF_OP(cat) { return wrap(a.env(), at::cat(a.tensors(0), a.int64(1))); }
RLHF_OP(stack) { return wrap(a.env(), at::stack(a.tensors(0), a.int64(1))); }
// split(x, sizeOrSizes, dim)
RLHF_OP(split) {
  if (a.info()[1].IsArray()) return wrapAll(a.env(), at::split_with_sizes(a.tensor(0), a.ints(1), a.int64(2)));
  return wrapAll(a.env(), at::split(a.tensor(0), a.int64(1), a.int64(2)));
}
RLHF_OP(chunk) { return wrapAll(a.env(), at::chunk(a.tensor(0), a.int64(1), a.int64(2))); }
RLHF_OP(unbind) { return wrapAll(a.env(), at::unbind(a.tensor(0), a.int64(1))); }
RLHF_OP(repeat) { return wrap(a.env(), a.tensor(0).repeat(a.ints(1))); }
RLHF_OP(repeatInterleave) {
  return wrap(a.env(), at::repeat_interleave(a.tensor(0), a.int64(1), a.optInt64(2)));
}
RLHF_OP(flip) { return wrap(a.env(), at::flip(a.tensor(0), a.ints(1))); }
RLHF_OP(roll) { return wrap(a.env(), at::roll(a.tensor(0), a.ints(1), a.ints(2))); }

static const OpDef ops[] = {
    RLHF_DEF(reshape), RLHF_DEF(view),   RLHF_DEF(transpose), RLHF_DEF(permute), RLHF_DEF(squeeze),
    RLHF_DEF(unsqueeze), RLHF_DEF(expand), RLHF_DEF(flatten), RLHF_DEF(narrow),  RLHF_DEF(slice),
    RLHF_DEF(select),  RLHF_DEF(cat),    RLHF_DEF(stack),     RLHF_DEF(split),   RLHF_DEF(chunk),
    RLHF_DEF(unbind),  RLHF_DEF(repeat), RLHF_DEF(repeatInterleave), RLHF_DEF(flip), RLHF_DEF(roll),
};
RLHF_REGISTER(registerShape, ops)

}  // namespace rlhf
