"""The transformers / TRL side of `npm run bench -- scale`: the same task JSON as bench/scale_child.ts,
one measurement per process (so ru_maxrss is that measurement's peak), one JSON line out.

Usage: python3 bench/scale_torch.py '<task JSON>'

- load: AutoModelForCausalLM.from_pretrained(dir, dtype=...), timed; torch and transformers are
  imported before the clock starts (as node and the addon are on the other side).
- generate: greedy generate() with the KV cache, min_new_tokens = max_new_tokens, after one 2-token
  warm-up at batch 1: per batch, 1 new token (prefill + one step), then N new tokens.
- rollout: generate(do_sample=True, top_k=0, num_return_sequences=G) on the distinct prompts:
  HF repeats each prompt G times and prefills every copy.
- train: TRL's SFTTrainer / DPOTrainer / GRPOTrainer (with a constant reward function), PEFT
  LoRA r=16 alpha=32 on all linear layers when lora is on, bf16 autocast when precision is
  bf16; each step timed on_step_begin -> on_step_end (bench/step_timer.py).
"""
import json, os, resource, sys, tempfile, time

TASK = json.loads(sys.argv[1])

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

torch.set_num_threads(TASK["threads"])
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}
SHAPES = {  # rows per step, max_length, prompt length, new tokens: bench/scale_data.ts TRAIN_SHAPES
    "sft": (2, 512, 256, 0),
    "dpo": (2, 512, 256, 0),
    "grpo": (2, 512, 480, 32),
}


def rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def max_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def load(dtype):
    return AutoModelForCausalLM.from_pretrained(TASK["dir"], dtype=DTYPES[dtype], attn_implementation="sdpa").eval()


def greedy(model, prompts, n):
    ids = torch.tensor(prompts, dtype=torch.long)
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, min_new_tokens=n, do_sample=False,
                             pad_token_id=TASK["padTokenId"])
    return out[:, ids.shape[1]:].tolist()


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def measure_generate():
    model = load(TASK["dtype"])
    with open(TASK["promptsPath"]) as f:
        prompts = json.load(f)
    figures = []
    greedy(model, prompts[:1], 2)  # warm-up
    for batch in TASK["batches"]:
        rows = prompts[:batch]
        _, one = timed(lambda: greedy(model, rows, 1))
        tokens, n = timed(lambda: greedy(model, rows, TASK["newTokens"]))
        figures.append({"batch": batch, "secondsOne": one, "secondsN": n, "firstRow": tokens[0]})
    return {"generate": figures}


def measure_rollout():
    model = load(TASK["dtype"])
    with open(TASK["promptsPath"]) as f:
        prompts = json.load(f)
    greedy(model, prompts[:1], 2)
    ids = torch.tensor(prompts, dtype=torch.long)
    n = TASK["newTokens"]
    torch.manual_seed(1)

    def run():
        with torch.no_grad():
            return model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, min_new_tokens=n, do_sample=True,
                                  temperature=1.0, top_k=0, num_return_sequences=TASK["groupSize"], pad_token_id=TASK["padTokenId"])

    out, seconds = timed(run)
    assert out.shape == (len(prompts) * TASK["groupSize"], ids.shape[1] + n), out.shape
    return {"seconds": seconds, "promptSharing": False}


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def train():
    import trl
    from datasets import Dataset
    from transformers import PreTrainedTokenizerFast
    from step_timer import StepTimer

    mode, steps = TASK["mode"], TASK["steps"]
    rows, max_length, prompt_length, new_tokens = SHAPES[mode]
    tok = PreTrainedTokenizerFast.from_pretrained(TASK["tokenizerDir"])
    tok.model_max_length = 1 << 20
    model = AutoModelForCausalLM.from_pretrained(TASK["modelDir"], dtype=torch.float32, attn_implementation="sdpa")
    peft_config = None
    if TASK["lora"] == "on":
        from peft import LoraConfig
        peft_config = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")
    timer = StepTimer()
    out_dir = tempfile.mkdtemp(prefix=f"rlhf-bench-scale-trl-{mode}-")
    common = dict(output_dir=out_dir, max_steps=steps, per_device_train_batch_size=rows, learning_rate=1e-6, lr_scheduler_type="constant",
                  logging_steps=1, save_strategy="no", eval_strategy="no", report_to=[], bf16=TASK["precision"] == "bf16",
                  gradient_checkpointing=False, use_cpu=True, seed=0, max_grad_norm=1.0, dataloader_num_workers=0)
    data = TASK["dataDir"]
    ids = lambda text: tok(text).input_ids
    if mode == "sft":
        ds = Dataset.from_dict({"input_ids": [ids(r["text"])[:max_length] for r in read_jsonl(os.path.join(data, "sft.jsonl"))]})
        trainer = trl.SFTTrainer(model=model, args=trl.SFTConfig(max_length=max_length, **common), train_dataset=ds,
                                 processing_class=tok, peft_config=peft_config, callbacks=[timer])
    elif mode == "dpo":
        pairs = read_jsonl(os.path.join(data, "pairs.jsonl"))
        # DPOTrainer tokenizes text; it is built on placeholders, then given the ids its tokenization would produce (as bench/train_torch.py).
        placeholder = Dataset.from_dict({"prompt": ["a"] * len(pairs), "chosen": ["b"] * len(pairs), "rejected": ["c"] * len(pairs)})
        trainer = trl.DPOTrainer(model=model, args=trl.DPOConfig(max_length=max_length, beta=0.1, **common), train_dataset=placeholder,
                                 processing_class=tok, peft_config=peft_config, callbacks=[timer])
        room = max_length - prompt_length
        trainer.train_dataset = Dataset.from_dict({"prompt_ids": [ids(p["prompt"])[-prompt_length:] for p in pairs],
                                                   "chosen_ids": [ids(p["chosen"])[:room] for p in pairs],
                                                   "rejected_ids": [ids(p["rejected"])[:room] for p in pairs]})
    else:
        prompts = [{"prompt": tok.decode(ids(p["prompt"])[-prompt_length:])} for p in read_jsonl(os.path.join(data, "prompts.jsonl"))]

        def constant(completions, **_):
            return [0.0] * len(completions)

        args = trl.GRPOConfig(num_generations=rows, max_completion_length=new_tokens, temperature=1.0, beta=0.0, loss_type="dapo",
                              num_iterations=1, **common)
        trainer = trl.GRPOTrainer(model=model, reward_funcs=constant, args=args, train_dataset=Dataset.from_list(prompts),
                                  processing_class=tok, peft_config=peft_config, callbacks=[timer])
    trainer.train()
    impl = f"TRL {trl.__version__} {type(trainer).__name__}"
    if peft_config is not None:
        import peft
        impl += f" + PEFT {peft.__version__}"
    return {"stepTimes": timer.times[1:], "impl": impl}


def main():
    base = rss_now()
    task = TASK["task"]
    if task == "load":
        model, seconds = timed(lambda: load(TASK["dtype"]))
        result = {"seconds": seconds}
    elif task == "generate":
        result = measure_generate()
    elif task == "rollout":
        result = measure_rollout()
    elif task == "train":
        result = train()
    else:
        raise SystemExit(f"scale_torch.py: unknown task {task!r}")
    result.update(baseRssBytes=base, maxRssBytes=max_rss(), torch=torch.__version__, transformers=transformers.__version__,
                  threads=torch.get_num_threads())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
