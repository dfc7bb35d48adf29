/**
 * The per-pair losses of the DPO family, one per TRL `loss_type` (TRL 1.13,
 * `DPOTrainer._compute_loss`), each with its paper. `dpoLoss` (dpo.ts) weights and sums them.
 *
 * Notation: c = log πθ(y_w) − log π_ref(y_w), r = the same for y_l, Δ = c − r, β = beta,
 * ε = labelSmoothing, n_w / n_l = completion token counts.
 *
 * ```ts
 * DPO_LOSSES.bco_pair.loss(terms); // (B,) −log σ(βc) − log σ(−βr)
 * DPO_LOSSES.aot.sortsBatch;       // true: its terms depend on the whole micro-batch
 * ```
 */
import type { Tensor } from '../tensor/index.js';

/** TRL's loss_type names; the config's dpo.loss_type. `sft` is the chosen answer's NLL, to add to a pairwise loss. */
export const DPO_LOSS_TYPES = [
  'sigmoid', 'ipo', 'hinge', 'robust', 'sft',
  'exo_pair', 'nca_pair', 'bco_pair', 'sppo_hard', 'aot', 'aot_unpaired', 'apo_zero', 'apo_down', 'discopop', 'sigmoid_norm',
] as const;
export type DpoLossType = (typeof DPO_LOSS_TYPES)[number];

/** What one loss reads: (B,) tensors and the scalars of the config. */
export interface PairTerms {
  policyChosenLogps: Tensor;
  policyRejectedLogps: Tensor;
  refChosenLogps: Tensor;
  refRejectedLogps: Tensor;
  /** c = policyChosenLogps − refChosenLogps. */
  chosenRatio: Tensor;
  /** r = policyRejectedLogps − refRejectedLogps. */
  rejectedRatio: Tensor;
  /** [n_w, n_l], (B,) each; throws when the inputs carry no lengths (only types with `lengths` call it). */
  lengths: () => [Tensor, Tensor];
  beta: number;
  labelSmoothing: number;
  discopopTau: number;
}

export interface DpoLossSpec {
  /** (B,) per-pair loss. */
  loss: (x: PairTerms) => Tensor;
  /** How it treats ε (labelSmoothing): 'required' means it needs ε > 0 (at 0 it is undefined or plain DPO). */
  labelSmoothing: 'ignored' | 'used' | 'required';
  /** Completion lengths it divides by. */
  lengths: 'none' | 'chosen' | 'both';
  /** Sorts over the batch (AOT): term i belongs to the i-th smallest pair, so it depends on the micro-batch. */
  sortsBatch: boolean;
}

const logits = (x: PairTerms) => x.chosenRatio.sub(x.rejectedRatio).mul(x.beta); // βΔ

/** ε-mixed logistic loss: −(1−ε) log σ(z) − ε log σ(−z). */
const smoothedLogistic = (z: Tensor, eps: number) => z.logsigmoid().mul(-(1 - eps)).sub(z.neg().logsigmoid().mul(eps));

/** AOT's loss on sorted margins (Melnyk et al. 2024, "Distributional Preference Alignment of LLMs via Optimal Transport"). */
const sortedLogistic = (a: Tensor, b: Tensor, x: PairTerms) => {
  const delta = a.sort({ dim: 0 }).values.sub(b.sort({ dim: 0 }).values);
  return smoothedLogistic(delta.mul(x.beta), x.labelSmoothing);
};

const spec = (loss: DpoLossSpec['loss'], more: Partial<Omit<DpoLossSpec, 'loss'>> = {}): DpoLossSpec => ({
  loss,
  labelSmoothing: 'ignored',
  lengths: 'none',
  sortsBatch: false,
  ...more,
});

export const DPO_LOSSES: Record<DpoLossType, DpoLossSpec> = {
  // DPO (Rafailov et al. 2023, eq. 7): −log σ(βΔ). With ε > 0, cDPO (Mitchell 2023, "A note on
  // DPO with noisy preferences"); TRL ≥ 0.29 ignores ε here, so pass 0 to reproduce it.
  sigmoid: spec((x) => (x.labelSmoothing === 0 ? logits(x).logsigmoid().neg() : smoothedLogistic(logits(x), x.labelSmoothing)), { labelSmoothing: 'used' }),
  // IPO (Azar et al. 2023, eq. 17): (c/n_w − r/n_l − 1/(2β))², log-ratios averaged per token as TRL.
  ipo: spec((x) => {
    const [nw, nl] = x.lengths();
    return x.chosenRatio.div(nw).sub(x.rejectedRatio.div(nl)).sub(1 / (2 * x.beta)).square();
  }, { lengths: 'both' }),
  // SLiC (Zhao et al. 2023, "SLiC-HF", eq. 1 with δ = 1/β): max(0, 1 − βΔ).
  hinge: spec((x) => logits(x).rsub(1).relu()),
  // rDPO (Chowdhury et al. 2024, "Provably Robust DPO"): unbiased under flip rate ε.
  robust: spec((x) => {
    const z = logits(x);
    const eps = x.labelSmoothing;
    return z.logsigmoid().mul(-(1 - eps)).add(z.neg().logsigmoid().mul(eps)).div(1 - 2 * eps);
  }, { labelSmoothing: 'required' }),
  // Per-token NLL of the chosen answer (RPO: Pang et al. 2024, "Iterative Reasoning Preference Optimization").
  sft: spec((x) => x.policyChosenLogps.div(x.lengths()[0]).neg(), { lengths: 'chosen' }),
  // EXO-pref (Ji et al. 2024, "Towards Efficient Exact Optimization of Language Model Alignment", eq. 16):
  // KL(q ‖ p) with q = softmax over {y_w, y_l} of βΔ and p = [1−ε, ε]; ε must be > 0 (the paper uses 1e-3).
  exo_pair: spec((x) => {
    const z = logits(x);
    const eps = x.labelSmoothing;
    if (!(eps > 0)) throw new RangeError(`dpoLoss: 'exo_pair' needs labelSmoothing > 0 (the EXO paper uses 1e-3), got ${eps}`);
    const winner = z.sigmoid().mul(z.logsigmoid().sub(Math.log1p(-eps)));
    const loser = z.neg().sigmoid().mul(z.neg().logsigmoid().sub(Math.log(eps)));
    return winner.add(loser);
  }, { labelSmoothing: 'required' }),
  // NCA (Chen et al. 2024, "Noise Contrastive Alignment of Language Models with Explicit Rewards", pairwise form):
  // −log σ(βc) − ½ log σ(−βc) − ½ log σ(−βr).
  nca_pair: spec((x) => {
    const c = x.chosenRatio.mul(x.beta);
    const r = x.rejectedRatio.mul(x.beta);
    return c.logsigmoid().neg().sub(c.neg().logsigmoid().mul(0.5)).sub(r.neg().logsigmoid().mul(0.5));
  }),
  // BCO on pairs (Jung et al. 2024, "Binary Classifier Optimization"): −log σ(βc) − log σ(−βr).
  // TRL 1.13 has no reward shift δ here (older TRL subtracted a running mean of the rewards).
  bco_pair: spec((x) => x.chosenRatio.mul(x.beta).logsigmoid().neg().sub(x.rejectedRatio.mul(-x.beta).logsigmoid())),
  // SPPO with hard labels (Wu et al. 2024, "Self-Play Preference Optimization", eq. 4.7 with P = 1 / 0):
  // (c − 1/(2β))² + (r + 1/(2β))².
  sppo_hard: spec((x) => x.chosenRatio.sub(0.5 / x.beta).square().add(x.rejectedRatio.add(0.5 / x.beta).square())),
  // AOT paired: sorted policy margins (log πθ(y_w) − log πθ(y_l)) against sorted reference margins.
  aot: spec((x) => sortedLogistic(x.policyChosenLogps.sub(x.policyRejectedLogps), x.refChosenLogps.sub(x.refRejectedLogps), x), { labelSmoothing: 'used', sortsBatch: true }),
  // AOT unpaired (older TRL called it aot_pair): sorted c against sorted r.
  aot_unpaired: spec((x) => sortedLogistic(x.chosenRatio, x.rejectedRatio, x), { labelSmoothing: 'used', sortsBatch: true }),
  // APO-zero (D'Oosterlinck et al. 2024, "Anchored Preference Optimization", eq. 7): raise y_w, lower y_l.
  // 1 − σ(βc) + σ(βr).
  apo_zero: spec((x) => x.chosenRatio.mul(x.beta).sigmoid().rsub(1).add(x.rejectedRatio.mul(x.beta).sigmoid())),
  // APO-down (eq. 8): lower both, y_l more: σ(βc) + 1 − σ(βΔ).
  apo_down: spec((x) => x.chosenRatio.mul(x.beta).sigmoid().add(logits(x).sigmoid().rsub(1))),
  // DiscoPOP (Lu et al. 2024, "Discovering Preference Optimization Algorithms", eq. 5): a blend of the
  // logistic and exponential losses, weighted by m = σ(βΔ/τ): (1 − m)·(−log σ(βΔ)) + m·exp(−βΔ).
  discopop: spec((x) => {
    const z = logits(x);
    const m = z.div(x.discopopTau).sigmoid();
    return z.logsigmoid().neg().mul(m.rsub(1)).add(z.neg().exp().mul(m));
  }),
  // Length-normalised DPO (TRL's sigmoid_norm; SimPO's per-token average, Meng et al. 2024, with a
  // reference): −log σ(β(c/n_w − r/n_l)).
  sigmoid_norm: spec((x) => {
    const [nw, nl] = x.lengths();
    return x.chosenRatio.div(nw).sub(x.rejectedRatio.div(nl)).mul(x.beta).logsigmoid().neg();
  }, { lengths: 'both' }),
};

/** The loss types that read labelSmoothing, in DPO_LOSS_TYPES order. */
export const DPO_LABEL_SMOOTHING_TYPES: readonly DpoLossType[] = DPO_LOSS_TYPES.filter((t) => DPO_LOSSES[t].labelSmoothing !== 'ignored');
