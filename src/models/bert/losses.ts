/** The losses transformers' BERT task models compute when given labels. */
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss } from '../../nn/functional.js';
import type { Tensor } from '../../tensor/index.js';
import type { ProblemType } from './config.js';

/**
 * Masked-LM cross entropy (Devlin et al. 2019, §3.1 task 1): logits (B, T, V) against labels
 * (B, T) holding the original id at masked positions and -100 elsewhere; mean over the labelled
 * positions.
 */
export function maskedLmLoss(logits: Tensor, labels: Tensor): Tensor {
  const [B, T, V] = logits.shape as [number, number, number];
  if (labels.shape.join() !== [B, T].join()) throw new RangeError(`maskedLmLoss: labels are [${labels.shape}] but logits [${logits.shape}]`);
  return crossEntropy(logits.reshape(-1, V), labels.reshape(-1), { ignoreIndex: -100 });
}

/** Next-sentence prediction (§3.1 task 2): logits (B, 2) against labels (B), 0 = B follows A. */
export function nextSentenceLoss(logits: Tensor, labels: Tensor): Tensor {
  if (labels.ndim !== 1 || labels.size(0) !== logits.size(0)) {
    throw new RangeError(`nextSentenceLoss: labels are [${labels.shape}] but logits [${logits.shape}]; expected [${logits.size(0)}]`);
  }
  return crossEntropy(logits, labels);
}

/**
 * Sequence-classification loss by transformers' problem_type, inferred as it does when unset:
 * one label means regression (MSE), integer labels single-label (cross entropy), float labels
 * multi-label (BCE with logits).
 */
export function sequenceClassificationLoss(logits: Tensor, labels: Tensor, problemType?: ProblemType): Tensor {
  const n = logits.size(-1);
  const integer = labels.dtype === 'int64' || labels.dtype === 'int32';
  const problem: ProblemType = problemType ?? (n === 1 ? 'regression' : integer ? 'single_label_classification' : 'multi_label_classification');
  switch (problem) {
    case 'regression':
      return n === 1 ? mseLoss(logits.squeeze(), labels.to(logits.dtype).squeeze()) : mseLoss(logits, labels.to(logits.dtype));
    case 'single_label_classification':
      return crossEntropy(logits.reshape(-1, n), labels.reshape(-1));
    case 'multi_label_classification':
      return binaryCrossEntropyWithLogits(logits, labels.to(logits.dtype));
    default: {
      const never: never = problem;
      throw new TypeError(`unknown problem_type '${String(never)}'`);
    }
  }
}
