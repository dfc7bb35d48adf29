/**
 * Kahneman-Tversky optimisation on unpaired examples (TRL KTOTrainer._compute_loss).
 *
 * KTO: Ethayarajh et al. 2024, "KTO: Model Alignment as Prospect Theoretic Optimization", eq. 7:
 * with r(x, y) = log πθ(y|x) − log π_ref(y|x) and the reference point z0 = max(0, KL estimate),
 *   desirable y:   L = λ_D · (1 − σ(β·(r − z0)))
 *   undesirable y: L = λ_U · (1 − σ(β·(z0 − r)))
 * z0 is the batch mean of r on MISMATCHED (prompt, completion) pairs, detached (ktoReferencePoint).
 * APO-zero, unpaired: D'Oosterlinck et al. 2024, "Anchored Preference Optimization", eq. 7 with no
 * pairing: desirable 1 − σ(β·r), undesirable σ(β·r) — KTO's form with z0 = 0.
 *
 * ```ts
 * const z0 = ktoReferencePoint(policyKlLogps, refKlLogps);
 * const out = ktoLoss({ policyLogps, refLogps, desirable, z0 }, { beta: 0.1 });
 * out.losses.sum().backward(); // TRL: losses.nanmean()
 * ```
 */
import { tensor, tidy, type Device, type Tensor } from '../tensor/index.js';
import { assertShape, assertVector } from './shapes.js';

/** The config's kto.loss_type, as TRL names them. */
export const KTO_LOSS_TYPES = ['kto', 'apo_zero_unpaired'] as const;
export type KtoLossType = (typeof KTO_LOSS_TYPES)[number];

/** Loss types that estimate the KL reference point z0 from mismatched completions (TRL's calculate_KL). */
export const KTO_KL_LOSS_TYPES: readonly KtoLossType[] = ['kto'];

export interface KtoInputs {
  /** (B,) summed completion log-probs under the policy (with grad). */
  policyLogps: Tensor;
  /** (B,) the same under the reference. */
  refLogps: Tensor;
  /** One label per example: true = desirable (TRL's label). */
  desirable: readonly boolean[];
  /** The reference point z0 (ktoReferencePoint); read by 'kto' only. */
  z0?: number;
}

export interface KtoOptions {
  /** β: the scale of the implicit reward (default 0.1). */
  beta?: number;
  lossType?: KtoLossType;
  /** λ_D, the weight of a desirable example's loss (default 1). */
  desirableWeight?: number;
  /** λ_U, the weight of an undesirable example's loss (default 1). */
  undesirableWeight?: number;
}

export interface KtoOutput {
  /** (B,) weighted per-example losses; TRL's loss is their mean. */
  losses: Tensor;
  /** (B,) β·r, detached (TRL's rewards/chosen for desirable examples, rewards/rejected otherwise). */
  rewards: Tensor;
}

/**
 * z0 = max(0, mean_b(log πθ(y'_b|x_b) − log π_ref(y'_b|x_b))) over the batch's mismatched pairs
 * (x_b, y'_b), as a plain number (detached). `gatherMean` averages the per-process means across
 * data-parallel ranks before the clamp, as TRL's gather_for_metrics(kl).mean().clamp(min=0).
 */
export function ktoReferencePoint(policyKlLogps: Tensor, refKlLogps: Tensor, gatherMean: (localMean: number) => number = (m) => m): number {
  const B = assertVector('ktoReferencePoint', 'policyKlLogps', policyKlLogps);
  assertShape('ktoReferencePoint', 'refKlLogps', refKlLogps, [B]);
  const local = tidy(() => policyKlLogps.detach().sub(refKlLogps.detach()).mean().item());
  return Math.max(0, gatherMean(local));
}

/** KTO-family loss of B unpaired examples. */
export function ktoLoss(inputs: KtoInputs, options: KtoOptions = {}): KtoOutput {
  const { beta = 0.1, lossType = 'kto', desirableWeight = 1, undesirableWeight = 1 } = options;
  if (!(beta > 0)) throw new RangeError(`ktoLoss: beta (${beta}) must be positive`);
  if (!(desirableWeight >= 0 && undesirableWeight >= 0)) throw new RangeError(`ktoLoss: weights (${desirableWeight}, ${undesirableWeight}) must be ≥ 0`);
  const B = assertVector('ktoLoss', 'policyLogps', inputs.policyLogps);
  assertShape('ktoLoss', 'refLogps', inputs.refLogps, [B]);
  if (inputs.desirable.length !== B) throw new RangeError(`ktoLoss: ${inputs.desirable.length} labels for ${B} examples`);
  let z0: number;
  switch (lossType) {
    case 'kto':
      if (inputs.z0 === undefined || !(inputs.z0 >= 0)) throw new RangeError(`ktoLoss: loss_type kto needs the reference point z0 ≥ 0, got ${inputs.z0}`);
      z0 = inputs.z0;
      break;
    case 'apo_zero_unpaired':
      z0 = 0;
      break;
    default: {
      const never: never = lossType;
      throw new TypeError(`ktoLoss: unknown loss type '${String(never)}'; implemented: ${KTO_LOSS_TYPES.join(', ')}`);
    }
  }
  return tidy(() => {
    const dtype = inputs.policyLogps.dtype;
    const device = inputs.policyLogps.device as Device;
    const logratio = inputs.policyLogps.sub(inputs.refLogps.detach()); // (B,) r
    // +1 for desirable (1 − σ(β(r − z0))), −1 for undesirable (1 − σ(β(z0 − r))).
    const sign = tensor(inputs.desirable.map((d) => (d ? 1 : -1)), { dtype, device });
    const weight = tensor(inputs.desirable.map((d) => (d ? desirableWeight : undesirableWeight)), { dtype, device });
    const losses = logratio.sub(z0).mul(sign).mul(beta).sigmoid().rsub(1).mul(weight);
    return { losses, rewards: logratio.detach().mul(beta) };
  });
}
