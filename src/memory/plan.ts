/**
 * The memory plan of a run, before any work: what each part of a training step holds (weights,
 * gradients, AdamW state, activations, the frozen reference, reward and value models, the
 * rollout's KV cache), and the peak, taken at the worst of the moments a step goes through
 * (a forward's end, backward, the optimizer step; for GRPO/PPO also the rollout and its scoring).
 * Pure arithmetic on the run config and the models' shapes (plan-models.ts reads those).
 *
 * ```ts
 * const plan = planMemory(config, readPlanModels(resolveModelPaths(config)));
 * plan.peakBytes;   // the estimate
 * plan.peakMoment;  // when it happens: 'forward', 'backward', 'rollout', ...
 * ```
 */
import { hasEnvironment, type RunConfig } from '../config/index.js';
import { inferenceBytesPerToken, logitsChunkBytes, loraBlockElements, stepActivations, type ActivationPrecision, type HeadKind, type MicroBatch } from './activations.js';
import { parameterCosts } from './costs.js';
import { loraParameterCount, loraTargets, type ModelShape } from './shape.js';

/** The models a run holds besides the trained one, as plan-models.ts finds them; null: none. */
export interface PlanModels {
  policy: ModelShape;
  /** A frozen reference copy (not the LoRA base with adapters disabled, which costs nothing). */
  reference: ModelShape | null;
  /** A frozen reward model scoring rollouts. */
  reward: ModelShape | null;
  /** PPO's separate value model, trained beside the policy. */
  value: ModelShape | null;
}

export interface PlanOptions {
  /** Data-parallel processes (each holds what the plan shows; ZeRO-1 shards the optimizer state). Default 1. */
  worldSize?: number;
  /** Where the run trains (planDevice); default: cuda when training.device names it, else cpu. */
  device?: 'cpu' | 'cuda';
}

/** The parts of the plan, in table order. */
export type PlanPart = 'parameters' | 'gradients' | 'optimizer' | 'buckets' | 'activations' | 'value' | 'reference' | 'reward' | 'kv-cache';

/** The moments of a step whose memory the plan compares; the peak is the largest. */
export type PlanMoment = 'forward' | 'reference forward' | 'backward' | 'backward end' | 'optimizer step' | 'rollout' | 'rollout scoring';

export interface PlanItem {
  part: PlanPart;
  label: string;
  /** The most this part holds at any moment. */
  bytes: number;
  /** What it holds at the peak (the items' atPeak sum to the peak). */
  atPeak: number;
  /** How the figure was computed. */
  detail: string;
  /** Bytes of weights mapped from checkpoint files: memory the OS pages in, not tensor allocations. */
  mappedBytes: number;
}

export interface MemoryPlan {
  algorithm: RunConfig['training']['algorithm'];
  device: 'cpu' | 'cuda';
  precision: ActivationPrecision;
  /** One micro-batch: rows x length tokens. */
  microBatch: { rows: number; length: number; tokens: number };
  /** Activation bytes per token kept for backward, without and with gradient checkpointing. */
  activationsPerToken: { plain: number; checkpointed: number };
  trainableParameters: number;
  items: PlanItem[];
  peakBytes: number;
  peakMoment: PlanMoment;
  /**
   * The peak as the run's "peak CPU tensor memory" log line counts it (the addon's allocator):
   * without the weights mapped from checkpoint files. Equal to peakBytes on CUDA.
   */
  allocatorPeakBytes: number;
}

/** What training.algorithm feeds the model: rows per example, the head, and whether it samples rollouts. */
interface AlgorithmLayout {
  rowsPerExample: number;
  head: HeadKind;
  online: boolean;
}

const LAYOUTS: Record<RunConfig['training']['algorithm'], AlgorithmLayout> = {
  sft: { rowsPerExample: 1, head: 'lm-sum', online: false },
  dpo: { rowsPerExample: 2, head: 'lm-per-token', online: false },
  orpo: { rowsPerExample: 2, head: 'lm-per-token', online: false },
  cpo: { rowsPerExample: 2, head: 'lm-per-token', online: false },
  gkd: { rowsPerExample: 1, head: 'lm-per-token', online: false },
  // One example per row; its KL row (another example's completion) runs without grad.
  kto: { rowsPerExample: 1, head: 'lm-per-token', online: false },
  reward: { rowsPerExample: 2, head: 'score', online: false },
  prm: { rowsPerExample: 1, head: 'score', online: false },
  critic: { rowsPerExample: 1, head: 'score', online: false },
  grpo: { rowsPerExample: 1, head: 'lm-per-token', online: true },
  online_dpo: { rowsPerExample: 2, head: 'lm-per-token', online: true },
  rloo: { rowsPerExample: 1, head: 'lm-per-token', online: true },
  reinforce_pp: { rowsPerExample: 1, head: 'lm-per-token', online: true },
  ppo: { rowsPerExample: 1, head: 'lm-per-token', online: true },
  pretrain: { rowsPerExample: 1, head: 'lm-sum', online: false },
  mlm: { rowsPerExample: 1, head: 'lm-sum', online: false },
  contrastive: { rowsPerExample: 2, head: 'score', online: false },
};

/** What the step-varying parts hold at one moment (the static parts hold throughout). */
interface Moment {
  moment: PlanMoment;
  gradients: number;
  activations: number;
  value: number;
  kvCache: number;
}

/** Completion tokens of an online row: an episode's budget (model and environment tokens) with an environment, else max_new_tokens. */
const completionTokens = (config: RunConfig): number => (hasEnvironment(config.environment) ? config.environment.max_episode_tokens : config.generation.max_new_tokens);

const held = (m: Moment) => m.gradients + m.activations + m.value + m.kvCache;

/** The activations' precision of a run: 16-bit weights, autocast, or float32. */
export function activationPrecision(config: RunConfig): ActivationPrecision {
  if (config.model.dtype !== 'float32') return 'half';
  return config.training.bf16 || config.training.fp16 ? 'autocast' : 'float32';
}

/** The device the run trains on: cuda when training.device names it, or it is 'auto' and CUDA is there. */
export function planDevice(config: RunConfig, cudaAvailable: boolean): 'cpu' | 'cuda' {
  const d = config.training.device;
  return d.startsWith('cuda') || (d === 'auto' && cudaAvailable) ? 'cuda' : 'cpu';
}

/**
 * The micro-batch size the plan assumes: per_device_train_batch_size, or for `auto` the size the
 * probe starts from (auto_batch_size_start), the largest it may pick.
 */
export function trainBatchSize(config: RunConfig): number {
  const b = config.training.per_device_train_batch_size;
  return b === 'auto' ? config.training.auto_batch_size_start : b;
}

/** Whether the run anchors to a reference policy (DPO, KTO, GRPO with beta > 0, PPO, online DPO) or holds a frozen teacher (GKD). */
export function referenceNeeded(config: RunConfig): boolean {
  switch (config.training.algorithm) {
    case 'dpo':
      return !config.dpo.reference_free;
    case 'kto':
      return true;
    case 'grpo':
      return config.grpo.beta > 0;
    case 'rloo':
      return config.rloo.beta > 0;
    case 'reinforce_pp':
      return config.reinforce_pp.init_kl_coef > 0;
    case 'ppo':
    case 'online_dpo':
    case 'gkd':
      return true;
    default:
      return false;
  }
}

/** Rows one rollout decodes together: GRPO's completions per step, PPO's rollout batch, online DPO's two per prompt, capped by generation.max_batch_size. */
export function rolloutRowsOf(config: RunConfig): number {
  const t = config.training;
  const rows = trainBatchSize(config) * LAYOUTS[t.algorithm].rowsPerExample;
  const perStep = rows * t.gradient_accumulation_steps * (t.algorithm === 'ppo' ? config.ppo.num_mini_batches : 1);
  return Math.min(perStep, config.generation.max_batch_size ?? perStep);
}

/**
 * The plan of `config` with the shapes of its models.
 * @example planMemory(config, readPlanModels(resolveModelPaths(config)), { worldSize: 2 })
 */
export function planMemory(config: RunConfig, models: PlanModels, options: PlanOptions = {}): MemoryPlan {
  const t = config.training;
  const worldSize = options.worldSize ?? 1;
  const device = options.device ?? (t.device.startsWith('cuda') ? 'cuda' : 'cpu');
  const layout = LAYOUTS[t.algorithm];
  const precision = activationPrecision(config);
  const { policy, value, reference, reward } = models;
  const costs = parameterCosts(config.model.dtype);

  // What trains: LoRA adapters on a frozen base, or every parameter (and PPO's value model).
  const lora = config.lora.enabled;
  const adapters = lora ? loraParameterCount(policy, config.lora.r, config.lora.target_modules) : 0;
  const trainable = (lora ? adapters : policy.parameters.total) + (value?.parameters.total ?? 0);
  const grads = trainable * costs.gradient;
  const optimizerShare = config.distributed.strategy === 'zero1' ? 1 / worldSize : 1;
  const optimizer = Math.ceil(trainable * costs.optimizer * optimizerShare);

  // One micro-batch. Online RL trains on prompt + completion, the head on the completion only.
  const P = config.data.max_prompt_length;
  const C = completionTokens(config);
  const rows = trainBatchSize(config) * layout.rowsPerExample;
  const length = layout.online ? P + C : config.data.max_length;
  const batch: MicroBatch = {
    rows,
    length,
    headLength: layout.online ? C : length,
    precision,
    checkpointing: t.gradient_checkpointing,
    head: layout.head,
    adapterElements: lora ? loraBlockElements(policy, config.lora.r, loraTargets(policy, config.lora.target_modules)) : 0,
  };
  const acts = stepActivations(policy, batch);
  const rolloutRows = layout.online ? rolloutRowsOf(config) : 0;
  const cacheBytes = precision === 'float32' ? 4 : 2;
  const kvCache = rolloutRows * (P + C) * policy.numLayers * 2 * policy.numKvHeads * policy.headDim * cacheBytes;

  const moments = stepMoments(config, models, { batch, acts, grads, rolloutRows, kvCache, costsWeight: costs.weight, lora });
  const worst = moments.reduce((a, b) => (held(b) > held(a) ? b : a));
  const most = (key: 'gradients' | 'activations' | 'value' | 'kvCache') => Math.max(...moments.map((m) => m[key]));

  const mapped = (shape: ModelShape | null, fromScratch = false) =>
    shape !== null && device === 'cpu' && !fromScratch && storedAs(shape) === config.model.dtype ? shape.parameters.total * costs.weight : 0;
  const weights = (shape: ModelShape | null) => (shape?.parameters.total ?? 0) * costs.weight;
  const n = (x: number) => INTEGER.format(x);
  const params = weights(policy) + adapters * costs.weight + weights(value);
  const items: PlanItem[] = [
    {
      part: 'parameters',
      label: `parameters (${config.model.dtype})`,
      bytes: params,
      atPeak: params,
      detail: `${n(policy.parameters.total)} x ${costs.weight} B (${storedIn(policy)})${lora ? ` + ${n(adapters)} LoRA adapter parameters (r ${config.lora.r})` : ''}${value !== null ? ` + the value model's ${n(value.parameters.total)}` : ''}`,
      mappedBytes: mapped(policy, config.model.init === 'from_scratch') + mapped(value),
    },
    {
      part: 'gradients',
      label: 'gradients',
      bytes: most('gradients'),
      atPeak: worst.gradients,
      detail: `${n(trainable)} trainable x ${costs.gradient} B${lora ? ' (adapters only)' : ''}`,
      mappedBytes: 0,
    },
    {
      part: 'optimizer',
      label: 'optimizer state (AdamW)',
      bytes: optimizer,
      atPeak: optimizer,
      detail: `${n(trainable)} x ${costs.optimizer} B (2 moments)${optimizerShare < 1 ? ` / ${worldSize} ranks (zero1)` : ''}`,
      mappedBytes: 0,
    },
  ];
  if (worldSize > 1) items.push({ part: 'buckets', label: 'gradient buckets (DDP)', bytes: grads, atPeak: grads, detail: `a copy of the gradients, all-reduced across ${worldSize} ranks`, mappedBytes: 0 });
  items.push({
    part: 'activations',
    label: 'activations',
    bytes: most('activations'),
    atPeak: worst.activations,
    detail: `${rows} x ${length} tokens${layout.rowsPerExample > 1 ? ` (${layout.rowsPerExample} rows per example)` : ''}, ${PRECISION_NAMES[precision]}: ${perToken(acts.keptPerToken)}/token kept, ${perToken(acts.keptPerTokenCheckpointed)}/token with gradient checkpointing (${t.gradient_checkpointing ? 'on' : 'off'})`,
    mappedBytes: 0,
  });
  if (value !== null) {
    items.push({ part: 'value', label: 'value model activations', bytes: most('value'), atPeak: worst.value, detail: "the separate value model's forward on the micro-batch (its weights, gradients and AdamW state are above)", mappedBytes: 0 });
  }
  if (reference !== null) {
    items.push({ part: 'reference', label: t.algorithm === 'gkd' ? 'teacher model (frozen)' : 'reference model (frozen)', bytes: weights(reference), atPeak: weights(reference), detail: `${n(reference.parameters.total)} x ${costs.weight} B (${storedIn(reference)})`, mappedBytes: mapped(reference) });
  } else if (referenceNeeded(config)) {
    const why = lora ? 'the LoRA base with adapters disabled: no copy' : 'log-probs precomputed before training, then freed';
    items.push({ part: 'reference', label: 'reference model', bytes: 0, atPeak: 0, detail: why, mappedBytes: 0 });
  }
  if (reward !== null) {
    items.push({ part: 'reward', label: 'reward model (frozen)', bytes: weights(reward), atPeak: weights(reward), detail: `${n(reward.parameters.total)} x ${costs.weight} B (${storedIn(reward)})`, mappedBytes: mapped(reward) });
  }
  if (layout.online) {
    items.push({
      part: 'kv-cache',
      label: 'KV cache (rollout)',
      bytes: kvCache,
      atPeak: worst.kvCache,
      detail: `${rolloutRows} rows x (${P} + ${C}) tokens x ${policy.numLayers} layers x 2 x ${policy.numKvHeads} kv heads x ${policy.headDim} x ${cacheBytes} B`,
      mappedBytes: 0,
    });
  }
  const peakBytes = items.reduce((s, i) => s + i.atPeak, 0);
  return {
    algorithm: t.algorithm,
    device,
    precision,
    microBatch: { rows, length, tokens: rows * length },
    activationsPerToken: { plain: acts.keptPerToken, checkpointed: acts.keptPerTokenCheckpointed },
    trainableParameters: trainable,
    items,
    peakBytes,
    peakMoment: worst.moment,
    allocatorPeakBytes: peakBytes - items.reduce((s, i) => s + i.mappedBytes, 0),
  };
}

/**
 * The moments of a step and what gradients, activations and the KV cache hold at each.
 * Gradients are freed after each update (zero_grad(set_to_none)): a forward holds only those
 * accumulated from earlier micro-batches, or the LM head's when a summed loss computes it in the
 * forward; backward holds them block by block, all of them by its end and in the optimizer step.
 */
function stepMoments(
  config: RunConfig,
  models: PlanModels,
  s: { batch: MicroBatch; acts: ReturnType<typeof stepActivations>; grads: number; rolloutRows: number; kvCache: number; costsWeight: number; lora: boolean },
): Moment[] {
  const { policy, value, reference } = models;
  const { batch, acts, grads } = s;
  const layout = LAYOUTS[config.training.algorithm];
  const accumulating = config.training.gradient_accumulation_steps > 1;
  const headGrad = batch.head === 'lm-sum' && !s.lora ? policy.vocabSize * policy.hiddenSize * s.costsWeight : 0;
  const blockGrads = (s.lora ? grads : grads - policy.vocabSize * policy.hiddenSize * s.costsWeight) / Math.max(1, policy.numLayers);
  const duringForward = accumulating ? grads : headGrad;
  const valueActs = value === null ? null : stepActivations(value, { ...batch, head: 'score', adapterElements: 0 });
  const valueForward = valueActs?.forwardPeak ?? 0;
  const valueKept = valueActs === null ? 0 : valueActs.tokens * valueActs.keptPerToken;
  const none = { value: 0, kvCache: 0 };
  const moments: Moment[] = [
    { moment: 'forward', gradients: duringForward, activations: acts.forwardPeak, value: valueForward, kvCache: 0 },
    { moment: 'backward', gradients: accumulating ? grads : headGrad + blockGrads, activations: acts.backwardPeak, value: valueKept, kvCache: 0 },
    { moment: 'backward end', gradients: grads, activations: acts.backwardEnd, ...none },
    { moment: 'optimizer step', gradients: grads, activations: 0, ...none },
  ];
  const tokens = batch.rows * batch.length;
  const headTokens = batch.rows * (batch.headLength ?? batch.length);
  if (!layout.online && (reference !== null || (s.lora && referenceNeeded(config)))) {
    // DPO: the reference's no-grad forward on the same batch while the policy's activations wait
    // for backward (its logits chunk replaces the policy's).
    const ref = reference ?? policy;
    const transient = tokens * inferenceBytesPerToken(ref, batch.precision) + logitsChunkBytes(ref, headTokens, batch.precision);
    moments.push({ moment: 'reference forward', gradients: duringForward, activations: acts.forwardPeak - logitsChunkBytes(policy, headTokens, batch.precision) + transient, ...none });
  }
  if (layout.online) {
    // Sampling: the KV cache, the prompts' prefill one block at a time, the last position's logits.
    const P = config.data.max_prompt_length;
    const C = completionTokens(config);
    const prefill = s.rolloutRows * P * inferenceBytesPerToken(policy, batch.precision);
    moments.push({ moment: 'rollout', gradients: 0, activations: prefill + s.rolloutRows * policy.vocabSize * 8, value: 0, kvCache: s.kvCache });
    // Scoring the whole rollout without grad (old, reference, value log-probs): hidden states of
    // every token, one block's intermediates, the completions' logits a chunk at a time.
    const scoring = s.rolloutRows * (P + C) * (inferenceBytesPerToken(policy, batch.precision) + 4 * policy.hiddenSize) + logitsChunkBytes(policy, s.rolloutRows * C, batch.precision);
    moments.push({ moment: 'rollout scoring', gradients: 0, activations: scoring, ...none });
  }
  return moments;
}

/** The single dtype a checkpoint stores its weights in, or null (mixed, or no weights). */
function storedAs(shape: ModelShape): string | null {
  const dtypes = Object.keys(shape.parameters.byDtype);
  return shape.weightFiles.length > 0 && dtypes.length === 1 ? (dtypes[0] as string) : null;
}

/** "125,504 float32 in model.safetensors", or "... counted from config.json". */
function storedIn(shape: ModelShape): string {
  const dtypes = Object.entries(shape.parameters.byDtype).map(([d, count]) => `${INTEGER.format(count ?? 0)} ${d}`).join(' + ');
  if (shape.parameters.source === 'config') return `counted from config.json`;
  const files = shape.weightFiles.map((f) => f.split('/').pop()).join(', ');
  return `${dtypes} in ${files}`;
}

const INTEGER = new Intl.NumberFormat('en-US');

const PRECISION_NAMES: Record<ActivationPrecision, string> = { float32: 'float32', autocast: '16-bit autocast', half: '16-bit weights' };

/** 8.4 KiB, 512 B: bytes per token. */
function perToken(bytes: number): string {
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${Math.round(bytes)} B`;
}
