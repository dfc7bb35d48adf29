"""PyTorch + transformers twin of bench/pretrain.ts: an MLM step (BertForMaskedLM with labels) and
a SimCLR step (BertModel, mean pooling, projection head, NT-Xent) on the same weights and inputs.

Usage: python3 bench/pretrain_torch.py MODEL_DIR INPUTS_JSON THREADS STEPS -> one JSON line.
"""
import json, sys, time
import torch
import torch.nn.functional as F
from transformers import BertForMaskedLM, BertModel

model_dir, inputs_file, threads, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
inp = json.load(open(inputs_file))
ids = torch.tensor(inp["masked_ids"]); labels = torch.tensor(inp["labels"])
view1 = torch.tensor(inp["view1"]); view2 = torch.tensor(inp["view2"])
mask = torch.ones_like(ids)


def median_time(step):
    times = []
    for _ in range(steps):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    rest = sorted(times[1:])
    return rest[len(rest) // 2]


mlm = BertForMaskedLM.from_pretrained(model_dir, attn_implementation="sdpa").train()
opt = torch.optim.AdamW(mlm.parameters(), lr=1e-4)
def mlm_step():
    loss = mlm(input_ids=ids, attention_mask=mask, labels=labels).loss
    loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
mlm_s = median_time(mlm_step)
del mlm, opt

enc = BertModel.from_pretrained(model_dir, attn_implementation="sdpa", add_pooling_layer=False).train()
h = enc.config.hidden_size
head = torch.nn.Sequential(torch.nn.Linear(h, h), torch.nn.ReLU(), torch.nn.Linear(h, 128))
opt = torch.optim.AdamW(list(enc.parameters()) + list(head.parameters()), lr=1e-4)
def nt_xent(z1, z2, t=0.07):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    sim = (z @ z.T) / t
    sim.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, target)
def simclr_step():
    m = torch.ones_like(view1)
    z1 = head(enc(input_ids=view1, attention_mask=m).last_hidden_state.mean(1))
    z2 = head(enc(input_ids=view2, attention_mask=m).last_hidden_state.mean(1))
    loss = nt_xent(z1, z2)
    loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
simclr_s = median_time(simclr_step)
import transformers
print(json.dumps({"torch": torch.__version__, "transformers": transformers.__version__, "threads": torch.get_num_threads(), "mlm_step_s": mlm_s, "simclr_step_s": simclr_s}))
