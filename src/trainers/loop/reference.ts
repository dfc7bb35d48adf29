/**
 * The reference policy π_ref that DPO, GRPO and PPO anchor the trained policy to (the KL term),
 * in one place: a frozen copy of a model, the LoRA policy's own base with its adapters disabled
 * (no second copy in memory), log-probs precomputed on the examples (DPO: the reference is
 * freed before training), or none (reference-free DPO, GRPO with beta 0).
 *
 * ```ts
 * const reference = loadReferencePolicy({ needed: beta > 0, modelPath, loraApplied: lora !== null });
 * const refLogps = withReference(reference, policy, (ref) => completionLogps(ref, batch)); // no grad
 * ```
 */
import { resolve } from 'node:path';
import type { ModelDtype } from '../../config/index.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../models/index.js';
import { withAdaptersDisabled } from '../../nn/index.js';
import { noGrad } from '../../tensor/index.js';

export type ReferencePolicy = PretrainedCausalLm | 'adapters-disabled' | 'precomputed' | null;

export interface ReferenceChoice {
  /** False: no reference at all (null). */
  needed: boolean;
  /** The policy's starting model, copied when no other reference applies. */
  modelPath: string;
  /** An explicit reference model (e.g. dpo.ref_model_path); wins over the LoRA base. */
  refModelPath?: string | null;
  /** The policy carries LoRA adapters: its base with them disabled is the starting model. */
  loraApplied: boolean;
  /** The dtype a loaded reference's weights take (model.dtype, as the policy's); float32 when omitted. */
  dtype?: ModelDtype;
}

/**
 * Picks and loads the reference: none when not needed, else `refModelPath` (frozen), else the
 * LoRA base ('adapters-disabled'), else a frozen copy of `modelPath`.
 */
export function loadReferencePolicy(choice: ReferenceChoice): ReferencePolicy {
  if (!choice.needed) return null;
  if ((choice.refModelPath ?? null) === null && choice.loraApplied) return 'adapters-disabled';
  const dir = resolve(choice.refModelPath ?? choice.modelPath);
  return freezeReference(loadCausalLm(dir, choice.dtype === undefined ? {} : { dtype: choice.dtype }));
}

/** A model reference is frozen and in eval mode (no dropout, no grads); other kinds pass through. */
export function freezeReference<R extends ReferencePolicy>(reference: R): R {
  if (typeof reference === 'object' && reference !== null) {
    reference.freeze();
    reference.eval();
  }
  return reference;
}

/**
 * Runs `fn` on the reference model without grad: the frozen copy, or `policy` with its LoRA
 * adapters disabled. 'precomputed' and null have no model to run, so they throw.
 */
export function withReference<T>(reference: ReferencePolicy, policy: PretrainedCausalLm, fn: (model: PretrainedCausalLm) => T): T {
  if (reference === null || reference === 'precomputed') {
    throw new Error(`withReference: the reference is ${reference === null ? 'absent (none was needed when it was chosen)' : "'precomputed' (read the examples' log-probs instead)"}; there is no model to run`);
  }
  return noGrad(() => (reference === 'adapters-disabled' ? withAdaptersDisabled(policy, () => fn(policy)) : fn(reference)));
}

/** Frees a model reference's weights (after precomputing its log-probs); other kinds hold none. */
export function releaseReference(reference: ReferencePolicy): void {
  if (typeof reference === 'object' && reference !== null) reference.dispose();
}
