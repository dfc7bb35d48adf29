/**
 * The built-in sample data (`rlhf data sample`): technical Q&A in English and Chinese, one
 * file per dataset kind the trainers take (SFT with a validation split, preference pairs,
 * prompts with references, stepwise labels, teacher/student pairs, evaluation, a raw-text
 * corpus for pretraining with a validation part, anchor/positive pairs for contrastive
 * learning, and unpaired labelled completions for KTO with a validation part), deterministic for a seed. The example configs under examples/configs read these files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../collate/sampler.js';
import { saveSafetensors } from '../../io/index.js';
import { tensor, type Tensor } from '../../tensor/index.js';
import { FACTS, type Fact } from './facts.js';

/** Width of the sample latent vectors. */
export const SAMPLE_LATENT_DIM = 32;

export interface SampleDataOptions {
  /** Records per set (the SFT validation split, prompts, stepwise and teacher/student sets are sized from these). */
  sft?: number;
  preference?: number;
  eval?: number;
  seed?: number;
}

const PHRASINGS = {
  en: [(q: string) => q, (q: string) => `Please explain: ${q}`, (q: string) => `In one or two sentences, ${q.charAt(0).toLowerCase()}${q.slice(1)}`],
  zh: [(q: string) => q, (q: string) => `请解释：${q}`, (q: string) => `请用一两句话回答：${q}`],
} as const;

function pick<T>(items: readonly T[], r: () => number): T {
  return items[Math.floor(r() * items.length)] as T;
}

function question(fact: Fact, lang: 'en' | 'zh', r: () => number): string {
  return pick(PHRASINGS[lang], r)(fact.question[lang]);
}

/** Writes sft.jsonl, preference.jsonl and eval.jsonl into `dir`; returns their paths and counts. */
export function writeSampleData(dir: string, options: SampleDataOptions = {}): Record<string, { path: string; count: number }> {
  const { sft = 200, preference = 100, eval: evalCount = 40, seed = 0 } = options;
  const r = seededRandom(seed);
  const lang = () => (r() < 0.5 ? 'en' : 'zh') as 'en' | 'zh';
  const sets = {
    sft: Array.from({ length: sft }, () => {
      const f = pick(FACTS, r);
      const l = lang();
      return { prompt: question(f, l, r), response: f.answer[l] };
    }),
    preference: Array.from({ length: preference }, () => {
      const f = pick(FACTS, r);
      const l = lang();
      return { prompt: question(f, l, r), chosen: f.answer[l], rejected: f.poor[l] };
    }),
    eval: Array.from({ length: evalCount }, () => {
      const f = pick(FACTS, r);
      const l = lang();
      return { prompt: question(f, l, r), reference: f.reference };
    }),
    sft_val: Array.from({ length: Math.max(1, Math.round(sft / 10)) }, () => {
      const f = pick(FACTS, r);
      const l = lang();
      return { prompt: question(f, l, r), response: f.answer[l] };
    }),
    prompts: Array.from({ length: Math.max(1, Math.round(sft / 2)) }, () => {
      const f = pick(FACTS, r);
      const l = lang();
      return { prompt: question(f, l, r), reference: f.reference };
    }),
    stepwise: Array.from({ length: Math.max(1, Math.round(preference / 2)) }, () => {
      const f = pick(FACTS, r);
      const l = lang();
      // The good answer's clauses are correct steps; a poor step inserted at random is wrong.
      const steps = f.answer[l].split(l === 'en' ? /(?<=[,;:.])\s+/ : /(?<=[，；：。])/).filter((x) => x.trim() !== '');
      const at = Math.floor(r() * (steps.length + 1));
      const wrong = r() < 0.5;
      const completions = wrong ? [...steps.slice(0, at), f.poor[l], ...steps.slice(at)] : steps;
      return { prompt: question(f, l, r), completions, labels: completions.map((c) => !(wrong && c === f.poor[l])) };
    }),
    teacher_student: Array.from({ length: Math.max(1, Math.round(preference / 2)) }, () => {
      const f = pick(FACTS, r);
      const l = lang();
      return { prompt: question(f, l, r), teacher_response: f.answer[l], student_response: f.poor[l] };
    }),
  };
  mkdirSync(dir, { recursive: true });
  const out: Record<string, { path: string; count: number }> = {};
  out['latent'] = writeLatentSample(dir, Math.max(2, preference), r);
  // Drawn after the sets above, so adding them left those files as they were.
  const document = () => {
    // 2..4 answers in one language: consecutive segments for next-sentence prediction.
    const l = lang();
    return Array.from({ length: 2 + Math.floor(r() * 3) }, () => pick(FACTS, r).answer[l]).join(l === 'en' ? ' ' : '');
  };
  const corpus = Array.from({ length: sft * 2 }, document);
  const corpusVal = Array.from({ length: Math.max(1, Math.round(sft / 10)) }, document);
  const pair = () => {
    const f = pick(FACTS, r);
    const l = lang();
    return { anchor: question(f, l, r), positive: f.answer[l] };
  };
  const textSets = { pairs: Array.from({ length: sft }, pair), pairs_val: Array.from({ length: Math.max(1, Math.round(sft / 10)) }, pair) };
  // KTO's unpaired examples: a good answer labelled desirable or a poor one labelled undesirable.
  const unpaired = () => {
    const f = pick(FACTS, r);
    const l = lang();
    const desirable = r() < 0.5;
    return { prompt: question(f, l, r), completion: desirable ? f.answer[l] : f.poor[l], label: desirable };
  };
  const unpairedSets = { unpaired_preference: Array.from({ length: preference }, unpaired), unpaired_preference_val: Array.from({ length: Math.max(2, Math.round(preference / 10)) }, unpaired) };
  for (const [name, docs] of [['corpus', corpus], ['corpus_val', corpusVal]] as const) {
    const path = join(dir, `${name}.txt`);
    writeFileSync(path, `${docs.join('\n')}\n`);
    out[name] = { path, count: docs.length };
  }
  for (const [name, rows] of Object.entries({ ...sets, ...textSets, ...unpairedSets })) {
    const path = join(dir, `${name}.jsonl`);
    writeFileSync(path, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    out[name] = { path, count: rows.length };
  }
  return out;
}

/**
 * latent.jsonl + latent.safetensors: `count` sequences of 2..6 latent steps whose score is a
 * fixed smooth function of the latents (sigmoid of twice the mean first feature), so a latent
 * PRM has something real to learn.
 */
function writeLatentSample(dir: string, count: number, r: () => number): { path: string; count: number } {
  const tensors = new Map<string, Tensor>();
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const steps = 2 + Math.floor(r() * 5);
    const matrix = Array.from({ length: steps }, () => Array.from({ length: SAMPLE_LATENT_DIM }, () => 2 * r() - 1));
    const signal = matrix.reduce((acc, row) => acc + (row[0] ?? 0), 0) / steps;
    const score = 1 / (1 + Math.exp(-4 * signal));
    tensors.set(`ex${i}`, tensor(matrix, { dtype: 'float32' }));
    rows.push(JSON.stringify({ tensor: `ex${i}`, prm_score: Math.round(score * 1e4) / 1e4 }));
  }
  saveSafetensors(join(dir, 'latent.safetensors'), tensors);
  for (const t of tensors.values()) t.dispose();
  const path = join(dir, 'latent.jsonl');
  writeFileSync(path, rows.join('\n') + '\n');
  return { path, count };
}
