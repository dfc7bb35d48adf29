"""TRL's twin of bench/train_step.ts: training steps of one configuration on a real-size checkpoint.

Usage: python bench/train_step_trl.py <sft|dpo> MODEL_DIR [--bf16] [--lora R] [--steps N] [--batch B] [--length T] [--threads N]
-> one JSON line. SFTTrainer / DPOTrainer (TRL) on the same shapes as train_step.ts (SFT: B rows of T
random token ids, all trained on; DPO: B pairs of T/2 prompt + T/2 chosen / rejected tokens, a frozen
reference copy, or the adapters disabled with LoRA), AdamW lr 1e-5 without decay, clipping at 1.0, no
eval, no saving, no gradient checkpointing. A step is timed on_step_begin -> on_step_end; step 1 is a
warm-up and not reported; CPU seconds per step (process_time) beside the wall time. Peak RSS is ru_maxrss of this process (run one configuration per process).
"""
import json, resource, sys, tempfile, time

import torch
from datasets import Dataset
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast, TrainerCallback


def flag(name, fallback):
    return type(fallback)(sys.argv[sys.argv.index(f"--{name}") + 1]) if f"--{name}" in sys.argv else fallback


def ids(n, vocab, state):
    out = []
    for _ in range(n):
        state[0] = (state[0] * 1103515245 + 12345) % 2 ** 31
        out.append(1 + state[0] % (vocab - 1))
    return out


class StepTimer(TrainerCallback):
    def __init__(self, threads):
        self.times, self.cpu, self.threads, self.seen_threads = [], [], threads, []

    def on_train_begin(self, args, state, control, **kw):
        torch.set_num_threads(self.threads)  # the Trainer/accelerate setup may have changed it

    def on_step_begin(self, args, state, control, **kw):
        self.seen_threads.append(torch.get_num_threads())
        self.t, self.c = time.perf_counter(), time.process_time()

    def on_step_end(self, args, state, control, **kw):
        self.times.append(time.perf_counter() - self.t)
        self.cpu.append(time.process_time() - self.c)


def main():
    mode, model_dir = sys.argv[1], sys.argv[2]
    bf16, lora = "--bf16" in sys.argv, flag("lora", 0)
    steps, batch, length = flag("steps", 3), flag("batch", 2), flag("length", 512)
    torch.set_num_threads(flag("threads", 2))
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    vocab = model.config.vocab_size
    tokenizer = PreTrainedTokenizerFast(tokenizer_file="/work/shared/fixtures/tokenizer/tokenizer.json", pad_token="<|pad|>", eos_token="<|im_end|>")
    peft_config = None
    if lora:
        from peft import LoraConfig
        peft_config = LoraConfig(r=lora, lora_alpha=2 * lora, target_modules="all-linear", task_type="CAUSAL_LM")
    state, half = [1234], length // 2
    common = dict(output_dir=tempfile.mkdtemp(), max_steps=steps, per_device_train_batch_size=batch, learning_rate=1e-5,
                  weight_decay=0.0, max_grad_norm=1.0, lr_scheduler_type="linear", logging_steps=1, save_strategy="no",
                  report_to=[], bf16=bf16, use_cpu=True, dataloader_num_workers=0, gradient_checkpointing="--gradient-checkpointing" in sys.argv,
                  disable_tqdm=True)
    timer = StepTimer(flag("threads", 2))
    if mode == "sft":
        from trl import SFTConfig, SFTTrainer
        rows = [ids(length, vocab, state) for _ in range(batch * steps)]
        data = Dataset.from_dict({"input_ids": rows})
        cfg = SFTConfig(**common, max_length=length, packing=False, dataset_kwargs={"skip_prepare_dataset": True}, remove_unused_columns=False)
        trainer = SFTTrainer(model=model, args=cfg, train_dataset=data, processing_class=tokenizer, peft_config=peft_config, callbacks=[timer])
        tokens_per_step = batch * length
    elif mode == "dpo":
        from trl import DPOConfig, DPOTrainer
        n = batch * steps
        data = Dataset.from_dict({
            "prompt_ids": [ids(half, vocab, state) for _ in range(n)],
            "chosen_ids": [ids(half, vocab, state) for _ in range(n)],
            "rejected_ids": [ids(half, vocab, state) for _ in range(n)],
        })

        class PretokenizedDPOTrainer(DPOTrainer):
            """TRL 1.x always tokenizes text columns; these rows are token ids already (its collator's input)."""

            def _prepare_dataset(self, dataset, *args, **kwargs):
                return dataset
        ref = None if lora else AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
        cfg = DPOConfig(**common, beta=0.1, max_length=length, remove_unused_columns=False)
        trainer = PretokenizedDPOTrainer(model=model, ref_model=ref, args=cfg, train_dataset=data, processing_class=tokenizer, peft_config=peft_config, callbacks=[timer])
        tokens_per_step = 2 * batch * length
    else:
        raise SystemExit(f"mode {mode}: sft or dpo")
    trainer.train()
    timed = timer.times[1:]
    print(json.dumps({"side": "trl", "mode": mode, "precision": "bf16" if bf16 else "fp32", "lora": lora, "batch": batch, "length": length,
                      "firstLoss": next((h["loss"] for h in trainer.state.log_history if "loss" in h), None),
                      "tokensPerSecond": tokens_per_step * len(timed) / sum(timed), "secondsPerStep": sum(timed) / len(timed),
                      "cpuSecondsPerStep": sum(timer.cpu[1:]) / len(timed),
                      "maxRssGiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2 ** 30, "stepTimes": timer.times, "cpuTimes": timer.cpu, "threads": timer.seen_threads}))


main()
