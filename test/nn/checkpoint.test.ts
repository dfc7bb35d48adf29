/**
 * Gradient checkpointing: the gradients of a loss through a checkpointed forward (layers keep
 * no activations and are replayed in backward) equal those of the plain forward within 1e-6,
 * for a Qwen2 and a GPT-2 (with dropout: the replay draws the same masks), with LoRA adapters
 * on a frozen base, and bf16 autocast replays under autocast.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../src/config/index.js';
import { loadSafetensors } from '../../src/io/index.js';
import { runSft } from '../../src/trainers/sft/index.js';
import { applyLora, F } from '../../src/nn/index.js';
import { GradientCheckpoint } from '../../src/nn/checkpoint.js';
import { loadCausalLm } from '../../src/models/index.js';
import { autocast, dispose, manualSeed, noGrad, randn, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import type { Module } from '../../src/nn/index.js';

const IDS = [[5, 17, 42, 9, 88, 3, 3], [7, 7, 120, 64, 31, 250, 11]];
const MASK = [[1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1]];

type Lm = Module & { forward(input: { inputIds: Tensor; attentionMask: Tensor }): { logits: Tensor } };

/** Every trainable parameter's gradient after one backward of a masked LM loss. */
function grads(lm: Lm, checkpointed: boolean, precision: <T>(fn: () => T) => T = (fn) => fn(), seed = 11): Map<string, number[]> {
  for (const p of lm.parameters()) p.zeroGrad();
  manualSeed(seed);
  const ids = tensor(IDS, { dtype: 'int64' });
  const mask = tensor(MASK, { dtype: 'int64' });
  const ckpt = checkpointed ? new GradientCheckpoint() : null;
  try {
    const loss = tidy(() => {
      const run = () => precision(() => {
        const { logits } = lm.forward({ inputIds: ids, attentionMask: mask });
        const labels = ids.maskedFill(mask.eq(0), -100);
        return F.crossEntropy(logits.slice(1, 0, -1).float().reshape(-1, logits.size(-1)), labels.slice(1, 1).reshape(-1));
      });
      return ckpt === null ? run() : ckpt.run(run);
    });
    loss.backward();
    ckpt?.backward(precision);
    loss.dispose();
  } finally {
    ckpt?.dispose();
  }
  const out = new Map<string, number[]>();
  for (const [name, p] of lm.namedParameters()) {
    if (!p.requiresGrad) continue;
    const g = p.grad;
    assert.ok(g !== null, `${name} got no gradient`);
    out.set(name, Array.from(g.float().toTypedArray() as Float32Array));
    g.dispose();
  }
  return out;
}

function maxDiff(a: Map<string, number[]>, b: Map<string, number[]>): { diff: number; scale: number } {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  let diff = 0;
  let scale = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    x.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - (y[i] as number)));
      scale = Math.max(scale, Math.abs(v));
    });
  }
  return { diff, scale };
}

for (const family of ['tiny-qwen2', 'tiny-gpt2'] as const) {
  test(`${family}: checkpointed gradients equal the plain ones within 1e-6 (train mode${family === 'tiny-gpt2' ? ', dropout 0.1' : ''})`, () => {
    const lm = loadCausalLm(`test/fixtures/models/${family}`) as unknown as Lm;
    lm.train();
    const plain = grads(lm, false);
    const again = grads(lm, true);
    const { diff, scale } = maxDiff(plain, again);
    assert.ok(scale > 1e-3, `gradients are ${scale} at most`);
    assert.ok(diff <= 1e-6, `checkpointed gradients differ by ${diff}`);
    if (family === 'tiny-gpt2') {
      // The dropout masks matter: another seed gives other gradients, so equality above is not luck.
      const other = grads(lm, false, undefined, 12);
      assert.ok(maxDiff(plain, other).diff > 1e-4);
    }
  });

}

// Qwen2's Linear layers and GPT-2's Conv1D projections (with dropout 0.1 replayed).
for (const family of ['tiny-qwen2', 'tiny-gpt2'] as const) {
  test(`${family} + LoRA on a frozen base: the adapters get the same gradients through checkpointing`, () => {
    const lm = loadCausalLm(`test/fixtures/models/${family}`) as unknown as Lm;
    lm.freeze();
    applyLora(lm, { r: 4, alpha: 8, targetModules: 'all-linear' });
    lm.train();
    // LoRA's B starts at zero, so A would get no gradient: give B values first.
    for (const [name, p] of lm.namedParameters()) if (name.includes('lora_B')) tidy(() => noGrad(() => p.copy_(randn([...p.shape]).mul(0.1))));
    const plain = grads(lm, false);
    assert.ok([...plain.keys()].every((n) => n.includes('lora_')) && plain.size > 0, [...plain.keys()].join(', '));
    const { diff, scale } = maxDiff(plain, grads(lm, true));
    assert.ok(scale > 1e-4 && diff <= 1e-6, `adapter gradients differ by ${diff} (scale ${scale})`);
  });
}

test('tiny-qwen2 under bf16 autocast: the replay runs under autocast too (same gradients as without checkpointing)', () => {
  const lm = loadCausalLm('test/fixtures/models/tiny-qwen2') as unknown as Lm;
  lm.train();
  const bf16 = <T>(fn: () => T): T => autocast(fn, { dtype: 'bfloat16', device: 'cpu' });
  const { diff, scale } = maxDiff(grads(lm, false, bf16), grads(lm, true, bf16));
  assert.ok(scale > 1e-3 && diff <= 1e-6, `bf16 checkpointed gradients differ by ${diff}`);
});

test('sft with training.gradient_checkpointing trains the same weights as without (3 steps, batch 4, LoRA and full)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-sft-'));
  writeFileSync(join(dir, 'sft.jsonl'), Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `Count to ${i}.`, response: `${i} ${i + 1} ${i + 2}.` })).join('\n'));
  const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
  for (const lora of [false, true]) {
    const run = async (gradientCheckpointing: boolean) => {
      const c = RunConfig.parse({
        model: { name_or_path: 'test/fixtures/models/tiny-qwen2' },
        training: { algorithm: 'sft', output_dir: mkdtempSync(join(tmpdir(), 'ckpt-out-')), learning_rate: 1e-3, max_steps: 3, per_device_train_batch_size: 4, save_steps: 100, seed: 2, gradient_checkpointing: gradientCheckpointing },
        data: { max_length: 48, max_prompt_length: 24, datasets: { sft: { train_files: [{ path: join(dir, 'sft.jsonl') }] } } },
        lora: { enabled: lora, r: 4, alpha: 8 },
      });
      await runSft(c, { progress: sink });
      return loadSafetensors(join(c.training.output_dir, lora ? 'adapter_model.safetensors' : 'model.safetensors'));
    };
    const [plain, ckpt] = [await run(false), await run(true)];
    let diff = 0;
    for (const [name, t] of plain) diff = Math.max(diff, t.sub(ckpt.get(name)!).abs().max().item());
    dispose([...plain.values(), ...ckpt.values()]);
    assert.ok(plain.size > 0 && diff <= 1e-6, `${lora ? 'LoRA' : 'full'}: weights differ by ${diff}`);
  }
});
