"""transformers' generate on the same token ids as measure.ts (the peer figures).

  python measure_hf.py <model dir> generate 1,8,32 [float32|bfloat16]
  python measure_hf.py <model dir> rollout 4x8 [float32|bfloat16]   # num_return_sequences=G, sampling
"""
import json, os, sys, time
import torch
from transformers import AutoModelForCausalLM

def bench_prompts(rows, length):
    return [[(i * 7919 + r * 104729 + 13) % 32000 + 100 for i in range(length)] for r in range(rows)]

argv = sys.argv[1:] + [None] * 4
path, mode, sizes, dtype = argv[0], argv[1] or 'generate', argv[2] or '1,8,32', argv[3] or 'float32'
torch.set_num_threads(int(os.environ.get('THREADS', 2)))
model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype)).eval()
new_tokens = int(os.environ.get('NEW_TOKENS', 32))
common = dict(max_new_tokens=new_tokens, eos_token_id=None, pad_token_id=0)

with torch.inference_mode():
    if mode == 'generate':
        length = int(os.environ.get('PROMPT_LENGTH', 64))
        model.generate(torch.tensor(bench_prompts(1, 8)), max_new_tokens=2, eos_token_id=None, pad_token_id=0, do_sample=False)
        for batch in map(int, sizes.split(',')):
            ids = torch.tensor(bench_prompts(batch, length))
            t0 = time.perf_counter()
            out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, **common)
            s = time.perf_counter() - t0
            print(json.dumps(dict(engine='transformers', mode=mode, dtype=dtype, batch=batch, promptLength=length, newTokens=new_tokens,
                                  seconds=round(s, 3), newTokPerS=round(batch * new_tokens / s, 2), first=out[0, length:length + 8].tolist())), flush=True)
    else:
        prompts, G = map(int, sizes.split('x'))
        length = int(os.environ.get('PROMPT_LENGTH', 256))
        ids = torch.tensor(bench_prompts(prompts, length))
        torch.manual_seed(1)
        t0 = time.perf_counter()
        out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, top_k=0, num_return_sequences=G, **common)
        s = time.perf_counter() - t0
        print(json.dumps(dict(engine='transformers', mode=mode, dtype=dtype, prompts=prompts, G=G, promptLength=length, newTokens=new_tokens,
                              seconds=round(s, 3), newTokPerS=round(prompts * G * new_tokens / s, 2), first=out[0, length:length + 8].tolist())), flush=True)
