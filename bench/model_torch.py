"""PyTorch + transformers twin of bench/model.ts: Qwen2 training step and greedy generate().

Usage: python3 bench/model_torch.py THREADS -> one JSON line.
"""
import json, sys, time
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

torch.set_num_threads(int(sys.argv[1]))
torch.manual_seed(0)
config = Qwen2Config(vocab_size=512, hidden_size=256, intermediate_size=704, num_hidden_layers=4, num_attention_heads=8,
                     num_key_value_heads=4, tie_word_embeddings=True, max_position_embeddings=512,
                     bos_token_id=0, eos_token_id=2, pad_token_id=3, attn_implementation="sdpa")
model = Qwen2ForCausalLM(config)
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
ids = torch.randint(4, 512, (8, 256))
times = []
model.train()
for _ in range(13):
    t = time.perf_counter()
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    opt.step(); opt.zero_grad(set_to_none=True)
    times.append(time.perf_counter() - t)
train = sorted(times[3:])[len(times[3:]) // 2]

model.eval()
prompt = torch.randint(4, 512, (8, 32))
gen = []
with torch.no_grad():
    for _ in range(8):
        t = time.perf_counter()
        out = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=64, min_new_tokens=64,
                             do_sample=False, pad_token_id=3)
        gen.append(time.perf_counter() - t)
assert out.shape[1] == 96
genS = sorted(gen[1:])[len(gen[1:]) // 2]
import transformers
print(json.dumps({"torch": torch.__version__, "transformers": transformers.__version__, "threads": torch.get_num_threads(),
                  "train_step_s": train, "generate_s": genS}))
