"""The Python side of `npm run bench -- rl`: HF transformers' greedy generate and, where `import trl`
works, TRL's GRPOTrainer, on the same model, prompts and settings as bench/rl.ts.

Usage: python3 bench/rl_trl.py POLICY_DIR PROMPTS.jsonl GREEDY_IDS.json THREADS -> one JSON line

- greedy: generate() with the KV cache, 8 prompts of 32 token ids (GREEDY_IDS.json), exactly 64 new
  tokens (min_new_tokens), median of 5 calls after 2 warm-ups.
- GRPO: 2 prompts x 4 generations per step, prompts cut to their last 56 tokens (as rl.ts's
  data.max_prompt_length), 32 new tokens at temperature 1, beta 0, loss dapo, one update per
  rollout, the same length-penalty reward; each step timed on_step_begin -> on_step_end with a
  TrainerCallback, median of steps 3..10 (PEER-BASELINE.md's definition).
"""
import json, statistics, sys, tempfile, time

import torch
import transformers
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

from step_timer import StepTimer

PAD = 3
STEPS = 10


def greedy_seconds(model, ids):
    inputs = torch.tensor(ids, dtype=torch.long)
    mask = torch.ones_like(inputs)
    run = lambda: model.generate(inputs, attention_mask=mask, max_new_tokens=64, min_new_tokens=64, do_sample=False, pad_token_id=PAD)
    with torch.no_grad():
        for _ in range(2):
            run()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def grpo(policy_dir, prompts_path):
    import trl
    from datasets import Dataset

    tok = PreTrainedTokenizerFast.from_pretrained(policy_dir)
    tok.pad_token_id = PAD
    with open(prompts_path) as f:
        texts = [json.loads(line)["prompt"] for line in f if line.strip()]
    rows = [{"prompt": tok.decode(tok(t).input_ids[-56:])} for t in texts]

    def length_penalty(completions, **_):
        return [-0.01 * abs(len(tok(c).input_ids) - 16) for c in completions]

    timer = StepTimer()
    args = trl.GRPOConfig(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=8, num_generations=4,
                          max_completion_length=32, temperature=1.0, beta=0.0, loss_type="dapo", num_iterations=1,
                          learning_rate=1e-6, lr_scheduler_type="constant", max_steps=STEPS, logging_steps=1,
                          save_strategy="no", report_to=[], bf16=False, gradient_checkpointing=False, use_cpu=True, seed=0)
    trainer = trl.GRPOTrainer(model=policy_dir, reward_funcs=length_penalty, args=args, train_dataset=Dataset.from_list(rows),
                              processing_class=tok, callbacks=[timer])
    trainer.train()
    lengths = [h["completions/mean_length"] for h in trainer.state.log_history if "completions/mean_length" in h]
    return {"trl": trl.__version__, "grpoStepS": statistics.median(timer.times[2:]),
            "grpoTokens": 8 * (56 + (lengths[-1] if lengths else 32))}


def main():
    policy_dir, prompts_path, ids_path, threads = sys.argv[1:5]
    torch.set_num_threads(int(threads))
    torch.manual_seed(0)
    with open(ids_path) as f:
        ids = json.load(f)
    model = AutoModelForCausalLM.from_pretrained(policy_dir, attn_implementation="sdpa").eval()
    out = {"torch": torch.__version__, "transformers": transformers.__version__, "greedyS": greedy_seconds(model, ids)}
    del model
    try:
        import trl  # noqa: F401
    except ImportError:
        out["trl"] = None
    else:
        out.update(grpo(policy_dir, prompts_path))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
