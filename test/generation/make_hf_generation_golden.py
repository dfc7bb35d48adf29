"""
Golden values for test/generation/hf-parity.test.ts: HF transformers' generate() run on a
PyTorch twin of test/generation/fake-lm.ts's FakeLm with tableScorer(8, 11).

    python3 test/generation/make_hf_generation_golden.py   # prints the GOLDEN object to paste

Checked with torch 2.13.0+cpu and transformers 5.18.0 (the versions of ../shared/fixtures).
The twin uses the same Mulberry32 tables, the same float64 sums rounded once to float32, and
the same rule: a position sees the tokens with mask 1 up to itself. use_cache=False, so HF
re-runs the full sequence each step.
"""
import json
import torch
from transformers import GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutputWithPast

VOCAB = 8
PROMPTS = [[1, 2, 3], [4], [5, 6]]
CASES = {
    "greedy": dict(max_new_tokens=8, do_sample=False, eos_token_id=7, pad_token_id=0),
    "penalty_min_new_several_eos": dict(max_new_tokens=8, do_sample=False, eos_token_id=[6, 7], pad_token_id=0,
                                        repetition_penalty=1.3, min_new_tokens=3),
    "sample_all_warpers": dict(max_new_tokens=8, do_sample=True, eos_token_id=7, pad_token_id=0, temperature=1.5,
                               top_k=5, top_p=0.9, repetition_penalty=1.3, seed=3),
    "sample_temperature": dict(max_new_tokens=12, do_sample=True, eos_token_id=7, pad_token_id=0, temperature=2.0,
                               top_k=0, seed=42),
}


def mulberry32(seed):
    """test/helpers/assert.ts rng(): every step mod 2**32, as JS's int32 arithmetic."""
    s = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def nxt():
        nonlocal s
        s = (s + 0x6D2B79F5) & 0xFFFFFFFF
        t = s
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return nxt


def table_scorer(vocab, seed):
    r = mulberry32(seed)
    table = lambda rows: [[4 * r() - 2 for _ in range(vocab)] for _ in range(rows)]
    by_token, by_position, by_context = table(vocab), table(64), table(7)

    def score(attended, position):
        a, p, c = by_token[attended[-1]], by_position[position % 64], by_context[sum(attended) % 7]
        return [a[v] + 0.5 * p[v] + c[v] for v in range(vocab)]

    return score


class TableConfig(PretrainedConfig):
    model_type = "table-lm"


class TableLm(PreTrainedModel, GenerationMixin):
    config_class = TableConfig
    score = staticmethod(table_scorer(VOCAB, 11))

    def __init__(self, config):
        super().__init__(config)
        self.unused = torch.nn.Parameter(torch.zeros(1))
        self.calls = []

    def forward(self, input_ids=None, attention_mask=None, position_ids=None, **kwargs):
        self.calls.append(dict(inputIds=input_ids.tolist(), attentionMask=attention_mask.tolist(),
                               positionIds=position_ids.tolist()))
        batch, length = input_ids.shape
        logits = torch.zeros(batch, length, VOCAB, dtype=torch.float64)
        for b in range(batch):
            for t in range(length):
                attended = [int(input_ids[b, j]) for j in range(t + 1) if int(attention_mask[b, j]) == 1]
                if attended:
                    logits[b, t] = torch.tensor(self.score(attended, int(position_ids[b, t])), dtype=torch.float64)
        return CausalLMOutputWithPast(logits=logits.float())


def main():
    torch.set_num_threads(1)
    model = TableLm(TableConfig(vocab_size=VOCAB)).eval()
    width = max(map(len, PROMPTS))
    input_ids = torch.tensor([[0] * (width - len(p)) + p for p in PROMPTS])
    attention_mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in PROMPTS])
    golden = {}
    for name, case in CASES.items():
        kwargs = dict(case)
        seed = kwargs.pop("seed", None)
        if seed is not None:
            torch.manual_seed(seed)
        model.calls = []
        out = model.generate(input_ids, attention_mask=attention_mask, use_cache=False, output_scores=True,
                             output_logits=True, return_dict_in_generate=True, **kwargs)
        eos = case["eos_token_id"] if isinstance(case["eos_token_id"], list) else [case["eos_token_id"]]
        rows = []
        for b in range(len(PROMPTS)):
            tokens, model_lp, processed_lp = [], [], []
            for k, t in enumerate(out.sequences[b, width:].tolist()):
                tokens.append(t)
                model_lp.append(round(float(torch.log_softmax(out.logits[k][b], -1)[t]), 6))
                processed_lp.append(round(float(torch.log_softmax(out.scores[k][b], -1)[t]), 6))
                if t in eos:
                    break
            rows.append(dict(tokenIds=tokens, modelLogprobs=model_lp, processedLogprobs=processed_lp))
        golden[name] = dict(rows=rows, firstCalls=model.calls[:2])
    print(json.dumps(golden))


if __name__ == "__main__":
    main()
