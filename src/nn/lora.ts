/**
 * LoRA: low-rank adapters on Linear layers (Hu et al., 2021, "LoRA: Low-Rank Adaptation of
 * Large Language Models", eq. 3: h = W₀x + (α/r)·BAx), laid out the way Hugging Face PEFT
 * lays it out, so adapters load into and out of PEFT unchanged (see peft.ts).
 *
 * Each chosen Linear (or GPT-2 Conv1D, PEFT's `fan_in_fan_out`) keeps its weight and gains two
 * child modules, `lora_A` (in → r) and `lora_B` (r → out), so the adapter weights are named
 * `<layer>.lora_A.weight` and `<layer>.lora_B.weight`. B starts at zero, so a fresh adapter
 * leaves the model's outputs unchanged. applyLora() freezes every other parameter.
 *
 * ```ts
 * applyLora(model, { r: 16, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] });
 * const opt = new AdamW(model.trainableParameters(), { lr: 2e-4 });
 * // ... train ...
 * removeLora(model, { merge: true });   // fold B·A·α/r into the weights and drop the adapters
 * ```
 */
import { dropout } from './functional.js';
import { Conv1D, Linear, type LinearAdapter } from './layers.js';
import type { Module } from './module.js';
import { noGrad } from '../tensor/autograd.js';
import { tidy } from '../tensor/scope.js';
import type { Device, Tensor } from '../tensor/tensor.js';

/**
 * Which Linear (and Conv1D) layers get adapters, with PEFT's `target_modules` semantics:
 * - a list of names: a layer is chosen if its dotted name equals an entry or ends with
 *   '.' + an entry (`'q_proj'` picks `model.layers.3.self_attn.q_proj`);
 * - `'all-linear'`: every Linear and Conv1D except the output head `lm_head`;
 * - any other string: a regular expression the whole dotted name must match.
 */
export type LoraTargetModules = readonly string[] | string;

export interface LoraConfig {
  /** Rank of the update B·A. */
  r: number;
  /** The update is scaled by alpha / r (alpha / √r with useRslora). */
  alpha: number;
  /** Dropout on the adapter's input while training; 0 turns it off. */
  dropout: number;
  targetModules: LoraTargetModules;
  /** Rank-stabilised scaling alpha / √r (Kalajdzievski, 2023), which keeps high ranks learning. */
  useRslora: boolean;
}

/** PEFT's LoraConfig defaults. */
export const LORA_DEFAULTS: Readonly<Omit<LoraConfig, 'targetModules'>> = Object.freeze({
  r: 8, alpha: 8, dropout: 0, useRslora: false,
});

/** A LoraConfig where only targetModules is required. */
export type LoraOptions = Partial<LoraConfig> & Pick<LoraConfig, 'targetModules'>;

/** The name PEFT's 'all-linear' leaves out: a causal LM's output head. */
const OUTPUT_HEAD = 'lm_head';

/** Fills in defaults and checks every field, quoting bad values. */
export function loraConfig(options: LoraOptions): LoraConfig {
  const c: LoraConfig = { ...LORA_DEFAULTS, ...options };
  if (!Number.isInteger(c.r) || c.r < 1) throw new RangeError(`LoRA: r (${c.r}) must be a positive integer`);
  if (!Number.isFinite(c.alpha) || c.alpha <= 0) throw new RangeError(`LoRA: alpha (${c.alpha}) must be a positive number`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`LoRA: dropout (${c.dropout}) must be in [0, 1)`);
  const t = c.targetModules;
  if (typeof t === 'string') {
    if (t === '') throw new RangeError(`LoRA: targetModules must not be empty`);
    if (t !== 'all-linear') regexOf(t);
  } else if (t.length === 0 || t.some((s) => typeof s !== 'string' || s === '')) {
    throw new RangeError(`LoRA: targetModules ${JSON.stringify(t)} must be a non-empty list of names, 'all-linear' or a regex`);
  }
  return c;
}

/** The factor on B·A: alpha / r, or alpha / √r with rsLoRA. */
export function loraScaling(config: Pick<LoraConfig, 'r' | 'alpha' | 'useRslora'>): number {
  return config.useRslora ? config.alpha / Math.sqrt(config.r) : config.alpha / config.r;
}

/** The adapter hung on one Linear: adds (B·A·dropout(x))·scaling to its output. */
export class LoraAdapter implements LinearAdapter {
  /** True while B·A·scaling is folded into the base weight (then forward adds nothing). */
  merged = false;
  /** True inside withAdaptersDisabled: the layer computes the base output only. */
  disabled = false;
  readonly scaling: number;

  constructor(readonly loraA: Linear, readonly loraB: Linear, readonly config: LoraConfig) {
    this.scaling = loraScaling(config);
  }

  forward(x: Tensor, y: Tensor): Tensor {
    if (this.merged || this.disabled) return y;
    // As PEFT: the adapter runs in its own dtype (float32 beside a 16-bit base) and the sum is
    // rounded once, back to the base output's dtype.
    const dtype = this.loraA.weight.dtype;
    let h = x.dtype === dtype ? x : x.to(dtype);
    if (this.config.dropout > 0) h = dropout(h, this.config.dropout, this.loraA.training);
    const out = y.add(this.loraB.forward(this.loraA.forward(h)).mul(this.scaling));
    return out.dtype === y.dtype ? out : out.to(y.dtype);
  }

  /** B·A·scaling (out, in): a Linear's weight layout (a Conv1D stores its transpose). */
  deltaWeight(): Tensor {
    return this.loraB.weight.matmul(this.loraA.weight).mul(this.scaling);
  }
}

/**
 * Runs `fn` with every adapter of `model` switched off, so the model computes its frozen base:
 * a LoRA policy's reference model without a second copy in memory (PEFT's disable_adapter()).
 */
export function withAdaptersDisabled<T>(model: Module, fn: () => T): T {
  const adapters = loraLayers(model).map((l) => l.adapter);
  if (adapters.some((a) => a.merged)) throw new Error('withAdaptersDisabled: adapters are merged into the base weights; unmergeLora(model) first');
  for (const a of adapters) a.disabled = true;
  try {
    return fn();
  } finally {
    for (const a of adapters) a.disabled = false;
  }
}

/** The layers LoRA adapts: Linear, and Conv1D (weight stored (in, out): PEFT's fan_in_fan_out). */
export type AdaptableLayer = Linear | Conv1D;

export function isAdaptable(m: unknown): m is AdaptableLayer {
  return m instanceof Linear || m instanceof Conv1D;
}

/** An adapted layer carrying a LoRA adapter, with its dotted name. */
export interface LoraLayer {
  name: string;
  layer: AdaptableLayer;
  adapter: LoraAdapter;
}

/**
 * Adds adapters to the Linear layers `targetModules` picks and freezes every other parameter,
 * so `model.trainableParameters()` is exactly the adapter weights. Apply it after loading the
 * base weights. Returns the names of the adapted layers.
 */
export function applyLora(model: Module, options: LoraOptions): string[] {
  const config = loraConfig(options);
  const existing = loraLayers(model);
  if (existing.length) throw new Error(`applyLora: the model already has LoRA adapters (on ${existing[0]?.name}, ...); call removeLora(model) first`);
  const names = findLoraTargets(model, config.targetModules);
  model.freeze();
  for (const name of names) attach(model.getSubmodule(name) as AdaptableLayer, config);
  return names;
}

/**
 * The names of the Linear / Conv1D layers `targetModules` picks (adapters' own lora_A/lora_B are
 * never candidates). Throws if a chosen module is neither or nothing is chosen.
 */
export function findLoraTargets(model: Module, targetModules: LoraTargetModules): string[] {
  const targets = expandTargetModules(model, targetModules);
  const chosen = candidateModules(model).filter(([name]) => matchesTarget(name, targets));
  const notLinear = chosen.filter(([, m]) => !isAdaptable(m));
  if (notLinear.length) {
    const list = notLinear.map(([n, m]) => `${n} (${m.constructor.name})`).join(', ');
    throw new Error(`LoRA: targetModules ${JSON.stringify(targets)} picks modules that are not Linear or Conv1D layers: ${list}`);
  }
  if (chosen.length === 0) {
    const known = [...new Set(linearLayers(model).map(([n]) => lastName(n)))].join(', ');
    throw new Error(`LoRA: targetModules ${JSON.stringify(targets)} matches no module; the model's Linear layers are named: ${known}`);
  }
  return chosen.map(([name]) => name);
}

/**
 * PEFT's expansion of 'all-linear': the sorted last names of all Linear and Conv1D layers but `lm_head`
 * (what PEFT writes to adapter_config.json). Lists and regexes come back unchanged.
 */
export function expandTargetModules(model: Module, targetModules: LoraTargetModules): LoraTargetModules {
  if (targetModules !== 'all-linear') return targetModules;
  const names = new Set(linearLayers(model).map(([n]) => lastName(n)));
  names.delete(OUTPUT_HEAD);
  return [...names].sort();
}

/** Every layer carrying a LoRA adapter, in module order. */
export function loraLayers(model: Module): LoraLayer[] {
  const out: LoraLayer[] = [];
  for (const [name, layer] of model.namedModules()) {
    if (isAdaptable(layer) && layer.adapter instanceof LoraAdapter) out.push({ name, layer, adapter: layer.adapter });
  }
  return out;
}

/** The adapter weights by dotted name (`…q_proj.lora_A.weight`): the tensors themselves. */
export function loraStateDict(model: Module): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const { name, adapter } of loraLayers(model)) {
    out.set(`${name}.lora_A.weight`, adapter.loraA.weight);
    out.set(`${name}.lora_B.weight`, adapter.loraB.weight);
  }
  return out;
}

/** B·A·scaling laid out as the layer's weight: (out, in) for a Linear, (in, out) for a Conv1D. */
function layerDelta(layer: AdaptableLayer, adapter: LoraAdapter): Tensor {
  const delta = adapter.deltaWeight();
  return (layer instanceof Conv1D ? delta.t() : delta).to(layer.weight.dtype);
}

/** Folds B·A·scaling into each adapted layer's weight (W += ΔW) for adapter-free inference speed. */
export function mergeLora(model: Module): void {
  for (const { layer, adapter } of loraLayers(model)) {
    if (adapter.merged) continue;
    noGrad(() => tidy(() => {
      layer.weight.add_(layerDelta(layer, adapter));
    }));
    adapter.merged = true;
  }
}

/** Undoes mergeLora (W -= ΔW); the weights come back to within float rounding. */
export function unmergeLora(model: Module): void {
  for (const { layer, adapter } of loraLayers(model)) {
    if (!adapter.merged) continue;
    noGrad(() => tidy(() => {
      layer.weight.sub_(layerDelta(layer, adapter));
    }));
    adapter.merged = false;
  }
}

/**
 * Takes the adapters off and frees them. With `merge: true` their update is kept in the
 * weights (PEFT's merge_and_unload); otherwise the base weights are restored (PEFT's unload).
 * requiresGrad is left as it is: call `model.unfreeze()` to train the whole model.
 * Returns the names of the layers that had adapters.
 */
export function removeLora(model: Module, options: { merge?: boolean } = {}): string[] {
  if (options.merge) mergeLora(model);
  else unmergeLora(model);
  const layers = loraLayers(model);
  for (const { layer } of layers) {
    layer.adapter = null;
    layer.removeModule('lora_A')?.dispose();
    layer.removeModule('lora_B')?.dispose();
  }
  return layers.map((l) => l.name);
}

function attach(layer: AdaptableLayer, config: LoraConfig): void {
  // PEFT keeps adapters in float32 beside a 16-bit base: their updates are small.
  const base = layer.weight.dtype;
  const dtype = base === 'float16' || base === 'bfloat16' ? 'float32' : base;
  const device = layer.weight.device as Device;
  // Linear's init U(-1/√in, 1/√in) is PEFT's kaiming_uniform_(a=√5) for A: gain √(2/(1+5)) · √(3/in).
  const loraA = layer.registerModule('lora_A', new Linear(layer.inFeatures, config.r, { bias: false, dtype, device }));
  const loraB = layer.registerModule('lora_B', new Linear(config.r, layer.outFeatures, { bias: false, dtype, device }));
  noGrad(() => loraB.weight.zero_());
  loraA.train(layer.training);
  loraB.train(layer.training);
  layer.adapter = new LoraAdapter(loraA, loraB, config);
}

function matchesTarget(name: string, targets: LoraTargetModules): boolean {
  if (typeof targets === 'string') return regexOf(targets).test(name);
  return targets.some((t) => name === t || name.endsWith(`.${t}`));
}

/** PEFT matches a string target with Python's re.fullmatch. */
function regexOf(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new RangeError(`LoRA: targetModules '${pattern}' is not a valid regular expression: ${(err as Error).message}`);
  }
}

/** Every named module except the root and anything inside an adaptable layer (adapter parts). */
function candidateModules(model: Module, prefix = ''): [string, Module][] {
  const out: [string, Module][] = [];
  for (const [name, m] of model.namedChildren()) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    out.push([path, m]);
    if (!isAdaptable(m)) out.push(...candidateModules(m, path));
  }
  return out;
}

function linearLayers(model: Module): [string, Module][] {
  return candidateModules(model).filter(([, m]) => isAdaptable(m));
}

function lastName(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}
