/**
 * An optimizer state dict as two files' worth of data: named tensors for safetensors and
 * JSON for everything else. Tensor slots in the JSON hold `{ tensor: name }`.
 *
 * ```ts
 * const { tensors, meta } = splitStateDict(opt.stateDict());
 * saveSafetensors('optimizer.safetensors', tensors); writeFileSync('optimizer.json', JSON.stringify(meta));
 * // later
 * opt.loadStateDict(joinStateDict(loadSafetensors('optimizer.safetensors'), JSON.parse(...)));
 * ```
 */
import type { Tensor } from '../tensor/index.js';
import type { OptimizerOptions, OptimizerStateDict } from './optimizer.js';

/** The JSON half: a state dict with each tensor replaced by the name it is stored under. */
export interface OptimizerStateMeta<O extends OptimizerOptions = OptimizerOptions> {
  state: Record<string, Record<string, number | { tensor: string }>>;
  paramGroups: Array<O & { params: number[] }>;
}

/** Splits a state dict; tensors are named `state.<param index>.<field>` and are the dict's own (not copied). */
export function splitStateDict<O extends OptimizerOptions>(dict: OptimizerStateDict<O>): { tensors: Map<string, Tensor>; meta: OptimizerStateMeta<O> } {
  const tensors = new Map<string, Tensor>();
  const state: OptimizerStateMeta<O>['state'] = {};
  for (const [index, fields] of Object.entries(dict.state)) {
    const entry: Record<string, number | { tensor: string }> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'number') entry[key] = value;
      else {
        const name = `state.${index}.${key}`;
        tensors.set(name, value);
        entry[key] = { tensor: name };
      }
    }
    state[index] = entry;
  }
  return { tensors, meta: { state, paramGroups: structuredClone(dict.paramGroups) } };
}

/** The inverse of splitStateDict; throws naming any tensor the JSON refers to but `tensors` lacks. */
export function joinStateDict<O extends OptimizerOptions>(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  meta: OptimizerStateMeta<O>,
): OptimizerStateDict<O> {
  const lookup = (name: string): Tensor | undefined => (tensors instanceof Map ? tensors.get(name) : (tensors as Record<string, Tensor>)[name]);
  const state: OptimizerStateDict<O>['state'] = {};
  for (const [index, fields] of Object.entries(meta.state)) {
    const entry: Record<string, Tensor | number> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'number') entry[key] = value;
      else {
        const t = lookup(value.tensor);
        if (t === undefined) throw new RangeError(`joinStateDict: state.${index}.${key} refers to tensor '${value.tensor}', which is missing`);
        entry[key] = t;
      }
    }
    state[index] = entry;
  }
  return { state, paramGroups: structuredClone(meta.paramGroups) };
}
