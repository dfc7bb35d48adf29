"""PyTorch + transformers twin of bench/train_child.ts: one trainer's steps on the benchmark model.

Usage: python3 bench/train_torch.py <sft|reward|dpo> DATA.json THREADS [loop|trl] -> one JSON line.

`loop` (default) is a plain training loop doing what the rlhf-ts Trainer does each step: collate the
step's examples (in the order the rlhf-ts Trainer visits them), forward, loss, backward, clip the
gradient norm at 1.0, AdamW (fused, as the HF Trainer's default `adamw_torch_fused`), linear LR
schedule, the loss and metrics read back with .item() and appended to a metrics file. A step is
timed from the collation to the metrics write.

`trl` runs TRL's SFTTrainer / RewardTrainer / DPOTrainer on the same data (bf16 and gradient
checkpointing off, no eval, no saving, logging every step) and times on_step_begin -> on_step_end
with a TrainerCallback, as PEER-BASELINE.md does. Run in a fresh process per trainer, so ru_maxrss
is that trainer's peak.
"""
import dataclasses, json, os, resource, sys, tempfile, time

import torch
import torch.nn.functional as F
import transformers
from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2ForSequenceClassification

SHAPES = {"sft": (8, 20), "reward": (4, 10), "dpo": (4, 10)}  # examples per step, steps
PAD = 3
BETA = 0.1


DEVICE = os.environ.get("RLHF_BENCH_DEVICE", "cpu")
PRECISION = os.environ.get("RLHF_BENCH_PRECISION", "fp32")
# RLHF_BENCH_PROFILE=DIR: torch.profiler's op trace of the loop's steps 3..N as a Chrome trace, DIR/torch-<mode>.json.


def amp_dtype():
    """The autocast dtype of RLHF_BENCH_PRECISION; None for float32."""
    return {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[PRECISION]


def model_config():
    return Qwen2Config(vocab_size=512, hidden_size=256, intermediate_size=704, num_hidden_layers=4, num_attention_heads=8,
                       num_key_value_heads=4, tie_word_embeddings=True, max_position_embeddings=512, num_labels=1,
                       bos_token_id=0, eos_token_id=2, pad_token_id=PAD, attn_implementation="sdpa")


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def pad_rows(rows, value):
    width = max(len(r) for r in rows)
    return torch.tensor([r + [value] * (width - len(r)) for r in rows], dtype=torch.long)


def collate_pairs(pairs):
    """Rows [chosen..., rejected...], right-padded, as rlhf-ts collatePreference and TRL's collator."""
    seqs = [(p["prompt"], p["chosen"]) for p in pairs] + [(p["prompt"], p["rejected"]) for p in pairs]
    ids = pad_rows([a + b for a, b in seqs], PAD)
    mask = pad_rows([[1] * (len(a) + len(b)) for a, b in seqs], 0)
    completion = pad_rows([[0] * len(a) + [1] * len(b) for a, b in seqs], 0)
    return ids, mask, completion


def sequence_logps(logits, ids, completion):
    """Summed log-probs of the completion tokens, position t predicting token t+1."""
    mask = completion[:, 1:].to(logits.dtype)
    labels = ids[:, 1:]
    logps = torch.gather(logits[:, :-1].log_softmax(-1), 2, labels.unsqueeze(-1)).squeeze(-1)
    return (logps * mask).sum(-1)


def run_loop(mode, data, out_dir):
    batch, steps = SHAPES[mode]
    amp = amp_dtype()
    torch.manual_seed(data["seed"])
    cfg = model_config()
    if mode == "reward":
        model = Qwen2ForSequenceClassification(cfg)
    else:
        model = Qwen2ForCausalLM(cfg)
    ref = None
    if mode == "dpo":
        ref = Qwen2ForCausalLM(cfg)
        ref.load_state_dict(model.state_dict())
        ref.eval().requires_grad_(False)
    model.to(DEVICE).train()
    if ref is not None:
        ref.to(DEVICE)
    scaler = torch.amp.GradScaler(DEVICE.split(":")[0]) if amp == torch.float16 else None
    try:
        opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0, fused=True)
        optimizer_name = "AdamW(fused)"
    except (RuntimeError, TypeError):
        opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0)
        optimizer_name = "AdamW"
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))
    rows = [data["sft"][i] for i in data["sftOrder"]] if mode == "sft" else [data["pairs"][i] for i in data["pairOrder"]]
    times, tokens = [], 0
    log = open(os.path.join(out_dir, "metrics.jsonl"), "w")
    profile = os.environ.get("RLHF_BENCH_PROFILE")
    profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) if profile else None
    for step in range(steps):
        if profiler is not None and step == 2:
            profiler.start()
        t0 = time.perf_counter()
        examples = rows[step * batch:(step + 1) * batch]
        metrics = {}
        autocast = torch.autocast(DEVICE.split(":")[0], dtype=amp or torch.float32, enabled=amp is not None)
        if mode == "sft":
            ids = torch.tensor(examples, dtype=torch.long, device=DEVICE)
            mask = torch.ones_like(ids)
            with autocast:
                loss = model(input_ids=ids, attention_mask=mask, labels=ids).loss
        else:
            ids, mask, completion = (t.to(DEVICE) for t in collate_pairs(examples))
            B = len(examples)
            if mode == "reward":
                with autocast:
                    rewards = model(input_ids=ids, attention_mask=mask).logits[:, 0].float()
                rc, rr = rewards[:B], rewards[B:]
                loss = -F.logsigmoid(rc - rr).mean()
                metrics = {"accuracy": (rc > rr).float().mean().item(), "margin": (rc - rr).mean().item(),
                           "rewards/chosen": rc.detach().mean().item(), "rewards/rejected": rr.detach().mean().item()}
            else:
                with autocast:
                    logps = sequence_logps(model(input_ids=ids, attention_mask=mask).logits.float(), ids, completion)
                    with torch.no_grad():
                        ref_logps = sequence_logps(ref(input_ids=ids, attention_mask=mask).logits.float(), ids, completion)
                c = BETA * (logps[:B] - ref_logps[:B]).detach()
                r = BETA * (logps[B:] - ref_logps[B:]).detach()
                logits = (logps[:B] - logps[B:]) - (ref_logps[:B] - ref_logps[B:])
                loss = -F.logsigmoid(BETA * logits).mean()
                metrics = {"rewards/chosen": c.mean().item(), "rewards/rejected": r.mean().item(),
                           "rewards/margins": (c - r).mean().item(), "rewards/accuracies": (c > r).float().mean().item(),
                           "logps/chosen": logps[:B].detach().mean().item(), "logps/rejected": logps[B:].detach().mean().item()}
        n = int(mask.sum().item())
        if scaler is None:
            loss.backward()
        else:
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
        lr = sched.get_last_lr()[0]
        if scaler is None:
            opt.step()
        else:
            scaler.step(opt)
            scaler.update()
        opt.zero_grad(set_to_none=True)
        sched.step()
        log.write(json.dumps({"step": step + 1, "loss": loss.item(), "lr": lr, "grad_norm": grad_norm, **metrics}) + "\n")
        log.flush()
        times.append(time.perf_counter() - t0)
        tokens += n
    log.close()
    if profiler is not None:
        profiler.stop()
        os.makedirs(profile, exist_ok=True)
        profiler.export_chrome_trace(os.path.join(profile, f"torch-{mode}.json"))
    return {"impl": f"plain loop, {optimizer_name}", "stepTimes": times, "firstStep": 1, "tokens": tokens, "steps": steps,
            "numParameters": sum(p.numel() for p in model.parameters())}


def run_trl(mode, data, out_dir):
    """TRL's own trainer on the same examples; only reached where `import trl` works."""
    import trl
    from datasets import Dataset
    from transformers import PreTrainedTokenizerFast
    from step_timer import StepTimer

    batch, steps = SHAPES[mode]
    torch.manual_seed(data["seed"])
    here = os.path.dirname(os.path.abspath(__file__))
    tokenizer = PreTrainedTokenizerFast.from_pretrained(os.path.join(here, "..", "test", "fixtures", "models", "tiny-qwen2"))
    cfg = model_config()
    timer = StepTimer()
    common = dict(output_dir=out_dir, max_steps=steps, per_device_train_batch_size=batch, learning_rate=1e-5,
                  logging_steps=1, save_strategy="no", eval_strategy="no", report_to=[], bf16=PRECISION == "bf16", fp16=PRECISION == "fp16",
                  gradient_checkpointing=False, use_cpu=DEVICE == "cpu", seed=data["seed"], max_grad_norm=1.0, dataloader_num_workers=0)
    if "train_sampling_strategy" in {f.name for f in dataclasses.fields(trl.SFTConfig)}:
        common["train_sampling_strategy"] = "sequential"  # the rows below are already in the rlhf-ts Trainer's order
    pairs = [data["pairs"][i] for i in data["pairOrder"]]
    if mode == "sft":
        rows = [data["sft"][i] for i in data["sftOrder"]]
        ds = Dataset.from_dict({"input_ids": rows})
        trainer = trl.SFTTrainer(model=Qwen2ForCausalLM(cfg), args=trl.SFTConfig(max_length=256, **common),
                                 train_dataset=ds, processing_class=tokenizer, callbacks=[timer])
    elif mode == "reward":
        ds = Dataset.from_dict({"chosen_ids": [p["prompt"] + p["chosen"] for p in pairs],
                                "rejected_ids": [p["prompt"] + p["rejected"] for p in pairs]})
        trainer = trl.RewardTrainer(model=Qwen2ForSequenceClassification(cfg), args=trl.RewardConfig(max_length=256, **common),
                                    train_dataset=ds, processing_class=tokenizer, callbacks=[timer])
    else:
        # DPOTrainer always tokenizes text, and random ids do not survive decode + encode: it is built on a
        # placeholder text set, then given the ids in the columns its tokenization produces.
        placeholder = Dataset.from_dict({"prompt": ["a"] * len(pairs), "chosen": ["b"] * len(pairs), "rejected": ["c"] * len(pairs)})
        policy = Qwen2ForCausalLM(cfg)
        ref = Qwen2ForCausalLM(cfg)
        ref.load_state_dict(policy.state_dict())
        trainer = trl.DPOTrainer(model=policy, ref_model=ref, args=trl.DPOConfig(max_length=256, beta=BETA, **common),
                                 train_dataset=placeholder, processing_class=tokenizer, callbacks=[timer])
        trainer.train_dataset = Dataset.from_dict({"prompt_ids": [p["prompt"] for p in pairs], "chosen_ids": [p["chosen"] for p in pairs],
                                                   "rejected_ids": [p["rejected"] for p in pairs]})
    trainer.train()
    logged = [h for h in trainer.state.log_history if "num_tokens" in h]
    tokens = int(logged[-1]["num_tokens"]) if logged else None
    return {"impl": f"TRL {trl.__version__} {type(trainer).__name__}", "stepTimes": timer.times, "firstStep": 1, "tokens": tokens,
            "steps": len(timer.times), "numParameters": sum(p.numel() for p in trainer.model.parameters())}


def main():
    mode, data_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    kind = sys.argv[4] if len(sys.argv) > 4 else "loop"
    torch.set_num_threads(threads)
    with open(data_path) as f:
        data = json.load(f)
    with tempfile.TemporaryDirectory(prefix=f"rlhf-bench-{kind}-{mode}-") as out_dir:
        result = run_trl(mode, data, out_dir) if kind == "trl" else run_loop(mode, data, out_dir)
    result.update(mode=mode, torch=torch.__version__, transformers=transformers.__version__,
                  threads=torch.get_num_threads(), maxRssBytes=peak_rss_bytes())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
