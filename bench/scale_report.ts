/**
 * The tables of `npm run bench -- scale`: each prints both sides and their ratios and returns the
 * figures for the results JSON.
 */
import type { ScaleChildResult } from './scale_child.js';
import type { LoraMode } from './scale_args.js';
import { NEW_TOKENS, GROUP_SIZE, TRAIN_SHAPES, type TrainMode } from './scale_data.js';
import { decodeBytesPerStep, decodeStepSeconds, DTYPE_BYTES, memoryBudget, roofline, SCALE_SHAPES, type BenchDtype, type Scale } from './scale_shapes.js';
import { median, table } from './stats.js';

/** A side's result, or why it has none. */
export type Side = ScaleChildResult | { error: string };

const ok = (s: Side | null): ScaleChildResult | null => (s === null || 'error' in s ? null : s);
const GiB = 1024 ** 3;
const gib = (bytes: number) => (bytes / GiB).toFixed(2);
const f = (x: number | null | undefined, digits: number) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const ratio = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(2)}x`);
const failures = (label: string, ...sides: [string, Side | null][]) => {
  for (const [who, s] of sides) if (s !== null && 'error' in s) console.log(`  ${label}, ${who}: FAILED: ${s.error}`);
};

/** Where memory goes at each size: the computed table of docs/performance.md. */
export function printMemoryTables(scales: readonly Scale[]): Record<string, ReturnType<typeof memoryBudget>> {
  const budgets = Object.fromEntries(scales.map((s) => [s, memoryBudget(SCALE_SHAPES[s])]));
  const row = (label: string, pick: (b: ReturnType<typeof memoryBudget>) => string) => [label, ...scales.map((s) => pick(budgets[s] as ReturnType<typeof memoryBudget>))];
  const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(bytes < 1024 ** 2 ? 3 : 1);
  console.log('\nmemory by size (computed; GiB unless marked)');
  table(['', ...scales], [
    row('parameters', (b) => b.parameters.toLocaleString('en-US')),
    row('LoRA r16 all-linear parameters', (b) => b.loraParameters.toLocaleString('en-US')),
    row('weights fp32 / bf16', (b) => `${gib(b.weightsFp32)} / ${gib(b.weightsBf16)}`),
    row('grads fp32 (full fine-tuning)', (b) => gib(b.gradsFp32)),
    row('AdamW states fp32', (b) => gib(b.adamFp32)),
    row('full fine-tuning state (16 B/param)', (b) => gib(b.fullFinetuneState)),
    row('saved activations / token, fp32 (MiB, est.)', (b) => mib(b.activationsPerToken)),
    row('  x 1,024 tokens (2 x 512)', (b) => gib(1024 * b.activationsPerToken)),
    row('logits / token, fp32 (MiB)', (b) => mib(b.logitsPerToken)),
    row('  x 1,024 tokens, one copy', (b) => gib(1024 * b.logitsPerToken)),
    row('KV cache / token fp32 / bf16 (KiB)', (b) => `${(b.kvCachePerTokenFp32 / 1024).toFixed(0)} / ${(b.kvCachePerTokenBf16 / 1024).toFixed(0)}`),
    row('weights read / decode step fp32 / bf16', (b) => `${gib(b.decodeBytesFp32)} / ${gib(b.decodeBytesBf16)}`),
  ]);
  return budgets;
}

export function printLoad(scale: Scale, rows: { from: BenchDtype; to: BenchDtype; ours: Side; peer: Side | null }[]): unknown[] {
  console.log(`\nload (fromPretrained vs from_pretrained), each in a fresh process; RSS +: peak minus RSS before loading`);
  const body = rows.map(({ from, to, ours, peer }) => {
    const o = ok(ours);
    const p = ok(peer);
    const size = memoryBudget(SCALE_SHAPES[scale]).parameters * DTYPE_BYTES[from];
    return [`${from} checkpoint (${gib(size)} GiB) -> ${to}`, f(o?.seconds, 2), f(p?.seconds, 2), ratio(p?.seconds !== undefined && o?.seconds ? p.seconds / o.seconds : null),
      o ? `${gib(o.maxRssBytes)} (+${gib(o.maxRssBytes - o.baseRssBytes)})` : '-', p ? `${gib(p.maxRssBytes)} (+${gib(p.maxRssBytes - p.baseRssBytes)})` : '-',
      ratio(o && p ? (p.maxRssBytes - p.baseRssBytes) / (o.maxRssBytes - o.baseRssBytes) : null)];
  });
  table(['', 'rlhf-ts s', 'transformers s', 'speed', 'rlhf-ts peak RSS GiB (+)', 'transformers GiB (+)', 'RSS + ratio'], body);
  for (const r of rows) failures(`load ${r.from} -> ${r.to}`, ['rlhf-ts', r.ours], ['transformers', r.peer]);
  return rows.map((r) => ({ from: r.from, to: r.to, ours: r.ours, peer: r.peer }));
}

export function printGenerate(scale: Scale, dtype: BenchDtype, copyBytesPerS: number | null, ours: Side, peer: Side | null): unknown {
  const bytes = decodeBytesPerStep(SCALE_SHAPES[scale], dtype);
  console.log(`\ngreedy generate ${dtype}: ${NEW_TOKENS} new tokens after 64-token prompts; decode step = (t(${NEW_TOKENS} tokens) - t(1 token)) / ${NEW_TOKENS - 1}; ${gib(bytes)} GiB of weights read per step`);
  const o = ok(ours)?.generate ?? [];
  const p = ok(peer)?.generate ?? [];
  const rows = o.map((g) => {
    const q = p.find((x) => x.batch === g.batch);
    const tokS = (x: { batch: number; secondsN: number }) => (x.batch * NEW_TOKENS) / x.secondsN;
    const stepO = decodeStepSeconds(g.secondsN, g.secondsOne, NEW_TOKENS);
    const stepP = q ? decodeStepSeconds(q.secondsN, q.secondsOne, NEW_TOKENS) : null;
    const roofO = copyBytesPerS ? roofline(bytes, stepO, g.batch, copyBytesPerS) : null;
    const roofP = copyBytesPerS && stepP ? roofline(bytes, stepP, g.batch, copyBytesPerS) : null;
    const same = q ? g.firstRow.filter((t, i) => q.firstRow[i] === t).length : null;
    return { batch: g.batch, oursTokS: tokS(g), peerTokS: q ? tokS(q) : null, oursStepS: stepO, peerStepS: stepP,
      oursPrefillS: g.secondsOne, peerPrefillS: q?.secondsOne ?? null, oursCopyFraction: roofO?.fractionOfCopy ?? null,
      peerCopyFraction: roofP?.fractionOfCopy ?? null, boundTokS: roofO?.boundTokensPerS ?? null, sameGreedyTokens: same };
  });
  table(['batch', 'rlhf-ts tok/s', 'HF tok/s', 'speed', 'rlhf-ts ms/step', 'HF ms/step', 'rlhf-ts prefill s', 'HF prefill s', 'rlhf-ts % copy BW', 'HF % copy BW', 'roofline tok/s', 'same tokens'],
    rows.map((r) => [r.batch, f(r.oursTokS, 1), f(r.peerTokS, 1), ratio(r.peerTokS ? r.oursTokS / r.peerTokS : null), f(1000 * r.oursStepS, 0), f(r.peerStepS === null ? null : 1000 * r.peerStepS, 0),
      f(r.oursPrefillS, 2), f(r.peerPrefillS, 2), f(r.oursCopyFraction === null ? null : 100 * r.oursCopyFraction, 0), f(r.peerCopyFraction === null ? null : 100 * r.peerCopyFraction, 0),
      f(r.boundTokS, 1), r.sameGreedyTokens === null ? '-' : `${r.sameGreedyTokens}/${NEW_TOKENS}`]));
  failures(`generate ${dtype}`, ['rlhf-ts', ours], ['transformers', peer]);
  return { dtype, weightBytesPerStep: bytes, rows, ours, peer };
}

export function printRollout(dtype: BenchDtype, prompts: number, ours: Side, peer: Side | null): unknown {
  const o = ok(ours);
  const p = ok(peer);
  const tokens = prompts * GROUP_SIZE * NEW_TOKENS;
  console.log(`\nGRPO rollout ${dtype}: ${prompts} prompts of 256 tokens x group ${GROUP_SIZE}, ${NEW_TOKENS} sampled tokens each (${tokens} new tokens)`);
  table(['', 'seconds', 'new tok/s', 'prompt prefills'], [
    ['rlhf-ts', f(o?.seconds, 2), f(o?.seconds ? tokens / o.seconds : null, 1), o ? (o.promptSharing ? `${prompts} (shared)` : `${prompts * GROUP_SIZE}`) : '-'],
    ['HF generate(num_return_sequences)', f(p?.seconds, 2), f(p?.seconds ? tokens / p.seconds : null, 1), p ? `${prompts * GROUP_SIZE}` : '-'],
  ]);
  console.log(`speed rlhf-ts / HF: ${ratio(o?.seconds && p?.seconds ? p.seconds / o.seconds : null)}`);
  failures(`rollout ${dtype}`, ['rlhf-ts', ours], ['transformers', peer]);
  return { dtype, prompts, groupSize: GROUP_SIZE, newTokens: tokens, ours, peer };
}

interface TrainRow {
  mode: TrainMode;
  precision: BenchDtype;
  lora: LoraMode;
  ours: Side;
  peer: Side | null;
}

export function printTrain(rows: TrainRow[], steps: number): unknown[] {
  console.log(`\ntraining steps (${steps} steps each, step 1 untimed; median of steps 2..${steps}), each run in a fresh process; peak RSS includes loading`);
  for (const mode of [...new Set(rows.map((r) => r.mode))]) console.log(`  ${mode}: ${TRAIN_SHAPES[mode].what}, ${TRAIN_SHAPES[mode].tokensPerStep} tokens/step`);
  const out = rows.map((r) => {
    const o = ok(r.ours);
    const p = ok(r.peer);
    const stepO = o?.stepTimes?.length ? median(o.stepTimes) : null;
    const stepP = p?.stepTimes?.length ? median(p.stepTimes) : null;
    const tokens = TRAIN_SHAPES[r.mode].tokensPerStep;
    return { ...r, tokensPerStep: tokens, oursStepS: stepO, peerStepS: stepP, oursTokS: stepO ? tokens / stepO : null, peerTokS: stepP ? tokens / stepP : null };
  });
  table(['', 'rlhf-ts s/step', 'tok/s', 'peak RSS GiB', 'TRL s/step', 'tok/s', 'peak RSS GiB', 'speed', 'RSS ratio', 'peer'],
    out.map((r) => {
      const o = ok(r.ours);
      const p = ok(r.peer);
      return [`${r.mode} ${r.precision === 'bf16' ? 'bf16 autocast' : 'fp32'}${r.lora === 'on' ? ' LoRA' : ''}`, f(r.oursStepS, 2), f(r.oursTokS, 0), o ? gib(o.maxRssBytes) : '-',
        f(r.peerStepS, 2), f(r.peerTokS, 0), p ? gib(p.maxRssBytes) : '-', ratio(r.oursTokS && r.peerTokS ? r.oursTokS / r.peerTokS : null),
        ratio(o && p ? p.maxRssBytes / o.maxRssBytes : null), p?.impl ?? (r.peer === null ? 'not run' : 'failed')];
    }));
  for (const r of rows) failures(`${r.mode} ${r.precision} lora ${r.lora}`, ['rlhf-ts', r.ours], ['TRL', r.peer]);
  return out;
}
