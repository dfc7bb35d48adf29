/**
 * The Optimizer base class: parameter groups, lazily created per-parameter state, and a
 * state dict of plain data plus tensors (PyTorch's torch.optim.Optimizer layout).
 *
 * ```ts
 * const opt = new AdamW([
 *   { params: decayed, weightDecay: 0.1 },
 *   { params: normsAndBiases, weightDecay: 0 },
 * ], { lr: 3e-4 });
 * tidy(() => { loss().backward(); opt.step(); opt.zeroGrad(); });
 * ```
 *
 * Memory: state tensors (moments, momentum buffers) are made with keep(), so the tidy() of a
 * training step does not free them; each step frees its own temporaries. dispose() frees
 * the state.
 */
import { empty, isFloatingPoint, keep, noGrad, Tensor, tidy, type Device } from '../tensor/index.js';

/** Hyperparameters every optimizer's parameter groups carry. */
export interface OptimizerOptions {
  /** Learning rate; an LrScheduler rewrites it on every group each step. */
  lr: number;
  /** Weight decay coefficient (L2 or decoupled, as the algorithm defines it). */
  weightDecay: number;
}

/** A set of parameters and the hyperparameters they share. Edit `lr` (etc.) freely between steps. */
export type ParamGroup<O extends OptimizerOptions> = O & { params: Tensor[] };

/** One group as given to a constructor: its params and any options overriding the defaults. */
export type ParamGroupInput<O extends OptimizerOptions> = Partial<O> & { params: readonly Tensor[] };

/** Per-parameter state: tensors (moments, buffers) and numbers (step counts). */
export type ParamState = { [key: string]: Tensor | number | undefined };

/**
 * A snapshot of an optimizer, as torch.optim's state_dict(): parameters are named by their
 * index in group order, so it loads into an optimizer built over other (e.g. reloaded)
 * tensors with the same group structure. Numbers and options are JSON data; the tensors
 * are copies owned by the caller (dispose them, or take the snapshot inside tidy()).
 * splitStateDict() turns it into safetensors + JSON.
 */
export interface OptimizerStateDict<O extends OptimizerOptions = OptimizerOptions> {
  /** Key: the parameter's index over all groups in order. Parameters never stepped have no entry. */
  state: Record<string, Record<string, Tensor | number>>;
  paramGroups: Array<O & { params: number[] }>;
}

/** What a GradScaler or LrScheduler needs of an optimizer. */
export interface OptimizerLike {
  readonly paramGroups: readonly { params: readonly Tensor[]; lr: number }[];
  step(): void;
}

export abstract class Optimizer<O extends OptimizerOptions, S extends ParamState> implements OptimizerLike {
  /** Options for groups that do not set their own. */
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Keyed by the parameter tensor object itself, as PyTorch keys by parameter identity. */
  protected readonly state = new Map<Tensor, S>();

  protected constructor(params: readonly Tensor[] | readonly ParamGroupInput<O>[], defaults: O) {
    this.checkOptions(defaults, 'defaults');
    this.defaults = Object.freeze(structuredClone(defaults));
    if (params.length === 0) throw new RangeError(`${this.constructor.name}: got an empty parameter list`);
    const groups = params.every((p): p is Tensor => p instanceof Tensor)
      ? [{ params } as ParamGroupInput<O>]
      : (params as readonly ParamGroupInput<O>[]);
    for (const group of groups) this.addParamGroup(group);
  }

  /** The per-algorithm update of one parameter, run under noGrad() inside a tidy(). */
  protected abstract updateParam(param: Tensor, grad: Tensor, state: S, group: ParamGroup<O>): void;

  /** Fresh state for a parameter on its first step. Tensors in it must be keep()-ed. */
  protected abstract initState(param: Tensor, group: ParamGroup<O>): S;

  /** Checks state read back by loadStateDict; throws if a field is missing. */
  protected abstract checkState(state: Record<string, Tensor | number>, group: ParamGroup<O>, where: string): S;

  /** Throws on invalid hyperparameters, quoting the values. */
  protected abstract checkOptions(options: O, where: string): void;

  /** Adds a group; options it leaves out come from `defaults`. A parameter may be in one group only. */
  addParamGroup(input: ParamGroupInput<O>): void {
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    const where = `paramGroups[${this.paramGroups.length}]`;
    for (const p of input.params) {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.constructor.name}: ${where}.params must hold Tensors`);
      if (seen.has(p)) throw new RangeError(`${this.constructor.name}: a parameter appears twice (in ${where})`);
      seen.add(p);
    }
    const { params, ...overrides } = input;
    const group = { ...structuredClone(this.defaults), ...structuredClone(overrides), params: [...params] } as ParamGroup<O>;
    this.checkOptions(group, where);
    this.paramGroups.push(group);
  }

  /** Whether step() updates `param` (all of them here; a sharded optimizer updates its own shard). */
  protected updates(_param: Tensor): boolean {
    return true;
  }

  /** Updates every parameter that has a gradient; parameters without one are skipped. */
  step(): void {
    tidy(() =>
      noGrad(() => {
        for (const group of this.paramGroups) {
          for (const param of group.params) {
            if (!this.updates(param)) continue;
            const grad = param.grad; // a new handle, freed by this tidy
            if (grad === null) continue;
            let state = this.state.get(param);
            if (state === undefined) {
              state = this.initState(param, group);
              this.state.set(param, state);
            }
            this.updateParam(param, grad, state, group);
          }
        }
      }),
    );
  }

  /** Drops every gradient (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.zeroGrad();
  }

  /**
   * A snapshot of hyperparameters and state; its tensors are new copies the caller owns. With
   * `{ copy: false }` they are the optimizer's own tensors (not to be disposed or changed):
   * writing a checkpoint that way never holds the state twice (3.7 GiB of AdamW moments at 0.5B).
   */
  stateDict(options: { copy?: boolean } = {}): OptimizerStateDict<O> {
    const copy = options.copy ?? true;
    const state: OptimizerStateDict<O>['state'] = {};
    let index = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...options } = group;
      const ids = params.map((p) => {
        const s = this.state.get(p);
        if (s !== undefined) state[String(index)] = copy ? noGrad(() => copyState(s)) : ownState(s);
        return index++;
      });
      return { ...structuredClone(options), params: ids } as unknown as O & { params: number[] };
    });
    return { state, paramGroups };
  }

  /**
   * Restores a stateDict(): group hyperparameters (lr included) and state, copied onto each
   * parameter's device and, for floating tensors, its dtype. The argument stays the caller's.
   */
  loadStateDict(dict: OptimizerStateDict<O>): void {
    const name = this.constructor.name;
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new RangeError(`${name}.loadStateDict: ${dict.paramGroups.length} param groups in the state dict, ${this.paramGroups.length} in the optimizer`);
    }
    const byIndex: [Tensor, ParamGroup<O>][] = [];
    const groups = this.paramGroups.map((group, i) => {
      const saved = dict.paramGroups[i] as O & { params: number[] };
      if (saved.params.length !== group.params.length) {
        throw new RangeError(`${name}.loadStateDict: paramGroups[${i}] has ${saved.params.length} params in the state dict, ${group.params.length} in the optimizer`);
      }
      const { params: _ids, ...options } = saved;
      const merged = { ...group, ...structuredClone(options) } as ParamGroup<O>;
      this.checkOptions(merged, `paramGroups[${i}]`);
      for (const p of group.params) byIndex.push([p, merged]);
      return merged;
    });

    const loaded = new Map<Tensor, S>();
    try {
      noGrad(() => {
        for (const [key, raw] of Object.entries(dict.state)) {
          const entry = byIndex[Number(key)];
          if (entry === undefined) throw new RangeError(`${name}.loadStateDict: state for parameter ${key}, but the optimizer has ${byIndex.length}`);
          const [param, group] = entry;
          const copied: Record<string, Tensor | number> = {};
          loaded.set(param, copied as S); // registered first so a throw below still frees it
          for (const [field, value] of Object.entries(raw)) copied[field] = typeof value === 'number' ? value : copyOnto(value, param);
          const state = this.checkState(copied, group, `state[${key}]`);
          loaded.set(param, state);
          // Fields the algorithm does not use (e.g. maxExpAvgSq once amsgrad is off) are freed.
          const used = new Set(Object.values(state));
          for (const v of Object.values(copied)) if (v instanceof Tensor && !used.has(v)) v.dispose();
        }
      });
    } catch (err) {
      for (const s of loaded.values()) disposeState(s);
      throw err;
    }
    this.dispose();
    for (const [p, s] of loaded) this.state.set(p, s);
    // In place: a scheduler or caller holding a group object keeps seeing the live one.
    this.paramGroups.forEach((group, i) => Object.assign(group, groups[i]));
  }

  /** Frees the state tensors; the next step starts from fresh state. */
  dispose(): void {
    for (const s of this.state.values()) disposeState(s);
    this.state.clear();
  }
}

/** The state's own tensors and numbers, without copies. */
function ownState(state: ParamState): Record<string, Tensor | number> {
  const out: Record<string, Tensor | number> = {};
  for (const [key, value] of Object.entries(state)) if (value !== undefined) out[key] = value;
  return out;
}

function copyState(state: ParamState): Record<string, Tensor | number> {
  const out: Record<string, Tensor | number> = {};
  for (const [key, value] of Object.entries(state)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'number' ? value : value.detach().clone();
  }
  return out;
}

/** A kept copy of `src` on the parameter's device; floating state takes the parameter's dtype, as in PyTorch. */
function copyOnto(src: Tensor, param: Tensor): Tensor {
  const dtype = isFloatingPoint(src.dtype) && isFloatingPoint(param.dtype) ? param.dtype : src.dtype;
  return keep(empty([...src.shape], { dtype, device: param.device as Device }).copy_(src));
}

function disposeState(state: ParamState): void {
  for (const value of Object.values(state)) if (value instanceof Tensor) value.dispose();
}

/** Reads a tensor field of loaded state, or throws naming it. */
export function tensorField(state: Record<string, Tensor | number>, key: string, where: string): Tensor {
  const value = state[key];
  if (!(value instanceof Tensor)) throw new TypeError(`loadStateDict: ${where}.${key} must be a Tensor, got ${value === undefined ? 'nothing' : typeof value}`);
  return value;
}

/** Reads a number field of loaded state, or throws naming it. */
export function numberField(state: Record<string, Tensor | number>, key: string, where: string): number {
  const value = state[key];
  if (typeof value !== 'number') throw new TypeError(`loadStateDict: ${where}.${key} must be a number, got ${value === undefined ? 'nothing' : 'a Tensor'}`);
  return value;
}
