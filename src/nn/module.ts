/**
 * Module: a tree of named parameters, buffers and sub-modules, with Hugging Face style dotted
 * names (`model.layers.0.self_attn.q_proj.weight`) so state dicts map onto safetensors
 * checkpoints one to one.
 *
 * ```ts
 * class Mlp extends Module {
 *   up = this.child('up', new Linear(64, 256));
 *   down = this.child('down', new Linear(256, 64));
 *   forward(x: Tensor) { return this.down.forward(this.up.forward(x).gelu()); }
 * }
 * const mlp = new Mlp();
 * mlp.getSubmodule('up').freeze();          // only `down` trains now
 * mlp.loadStateDict(loadSafetensors('mlp.safetensors'));
 * ```
 */
import { noGrad } from '../tensor/autograd.js';
import { canonicalDevice } from '../tensor/default-device.js';
import { keep } from '../tensor/scope.js';
import type { Device, Tensor } from '../tensor/tensor.js';

/** Tensors by dotted name: a Map (as loadSafetensors returns) or a plain object. */
export type StateDict = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

export interface LoadStateDictOptions {
  /**
   * Every key of the module must be in `state` and every key of `state` in the module
   * (default true). Shapes must match either way, as in PyTorch.
   */
  strict?: boolean;
}

/** The keys a non-strict load skipped. */
export interface LoadStateDictResult {
  /** Module keys with no value in `state`; they keep their current values. */
  missing: string[];
  /** Keys of `state` the module does not have; ignored. */
  unexpected: string[];
}

interface BufferEntry {
  tensor: Tensor;
  /** Written to and read from state dicts (torch's register_buffer(persistent=...)). */
  persistent: boolean;
}

export abstract class Module {
  /** Dropout and similar layers act only in training mode. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, BufferEntry>();
  private readonly children = new Map<string, Module>();

  /** Registers a trainable tensor under `name`; it outlives any tidy() scope. */
  protected param(name: string, value: Tensor, trainable = true): Tensor {
    this.checkFreeName(name);
    this.params.set(name, keep(value));
    if (trainable && !value.requiresGrad) value.requiresGrad_(true);
    return value;
  }

  /**
   * Registers a tensor that is state but not a parameter (rotary tables, running stats): no
   * optimizer sees it and freeze()/unfreeze() leave it alone. A persistent buffer is part of
   * stateDict(); a non-persistent one (a cache that can be recomputed) is not.
   */
  protected buffer(name: string, value: Tensor, persistent = true): Tensor {
    this.checkFreeName(name);
    this.buffers.set(name, { tensor: keep(value), persistent });
    return value;
  }

  protected child<M extends Module>(name: string, module: M): M {
    return this.registerModule(name, module);
  }

  /**
   * Adds a sub-module from outside the class (torch's add_module); adapters such as LoRA use
   * it to hang `lora_A` / `lora_B` under an existing layer. Returns the module.
   */
  registerModule<M extends Module>(name: string, module: M): M {
    if (name === '' || name.includes('.')) throw new Error(`registerModule: name '${name}' must be non-empty and contain no '.'`);
    this.checkFreeName(name);
    this.children.set(name, module);
    return module;
  }

  /** Detaches a sub-module without freeing it. Returns it, or undefined if there was none. */
  removeModule(name: string): Module | undefined {
    const m = this.children.get(name);
    this.children.delete(name);
    return m;
  }

  /** Direct sub-modules with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /**
   * This module and every sub-module, depth first: the root is named `prefix` (default ''),
   * the others by dotted path (`model.layers.0.self_attn.q_proj`) as in torch.
   */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.children) out.push(...m.namedModules(prefix === '' ? name : `${prefix}.${name}`));
    return out;
  }

  /** The sub-module at a dotted path ('' is this module); throws naming the step that failed. */
  getSubmodule(path: string): Module {
    if (path === '') return this;
    let m: Module = this;
    let walked = '';
    for (const part of path.split('.')) {
      const next = m.children.get(part);
      if (next === undefined) {
        const where = walked === '' ? 'the root module' : `'${walked}'`;
        throw new Error(`getSubmodule('${path}'): ${where} has no sub-module '${part}' (it has: ${[...m.children.keys()].join(', ') || 'none'})`);
      }
      m = next;
      walked = walked === '' ? part : `${walked}.${part}`;
    }
    return m;
  }

  /**
   * Every parameter with its dotted path (`prefix` is prepended verbatim), depth first in
   * registration order. A tensor registered under two names (tied weights) is listed once,
   * under its first name, so an optimizer never steps it twice.
   */
  namedParameters(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.allParameters(prefix)) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push([name, p]);
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** The parameters an optimizer should get: those with requiresGrad. */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Total number of elements over all parameters, or over the trainable ones only. */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    const ps = options.trainableOnly ? this.trainableParameters() : this.parameters();
    return ps.reduce((n, p) => n + p.numel, 0);
  }

  /** Every buffer (persistent or not) with its dotted path (`prefix` prepended verbatim). */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, b] of this.buffers) out.push([prefix + name, b.tensor]);
    for (const [name, m] of this.children) out.push(...m.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /** Stops gradients for every parameter of this module and its sub-modules. Returns this. */
  freeze(): this {
    for (const p of this.parameters()) p.requiresGrad_(false);
    return this;
  }

  /** Turns gradients back on for every parameter of this module and its sub-modules. Returns this. */
  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad_(true);
    return this;
  }

  /**
   * Moves every parameter and buffer of this module and its sub-modules to `device` in place,
   * as torch's module.to(device): the tensors keep their identity, so fields, tied weights and
   * optimizers built afterwards see the moved data. Call it before training (existing
   * gradients stay where they are). Returns this.
   */
  to(device: Device): this {
    const tensors = new Set([...this.parameters(), ...this.namedBuffers().map(([, b]) => b)]);
    const target = canonicalDevice(device);
    noGrad(() => {
      for (const t of tensors) {
        if (t.device === target) continue;
        const moved = t.to(device);
        t.setData_(moved);
        moved.dispose();
      }
    });
    return this;
  }

  /** The device of the first parameter (or buffer); 'cpu' for a module without tensors. */
  get device(): Device {
    const first = this.parameters()[0] ?? this.namedBuffers()[0]?.[1];
    return (first?.device ?? 'cpu') as Device;
  }

  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Parameters and persistent buffers by dotted name (the tensors themselves, not copies).
   * Tied weights appear under each of their names, as in torch.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.collectState('', out);
    return out;
  }

  /**
   * Copies values (converting dtype) into the parameters and persistent buffers. Checks
   * everything before copying anything, and throws one error listing every missing key,
   * unexpected key and shape mismatch. With `{ strict: false }` missing and unexpected keys
   * are returned instead (shape mismatches still throw). `strict` may also be passed as a
   * boolean, the older form.
   */
  loadStateDict(state: StateDict, options: LoadStateDictOptions | boolean = {}): LoadStateDictResult {
    const strict = typeof options === 'boolean' ? options : (options.strict ?? true);
    const given: Map<string, Tensor> = state instanceof Map ? new Map(state) : new Map(Object.entries(state));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !given.has(k));
    const unexpected = [...given.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [name, t] of own) {
      const src = given.get(name);
      if (src !== undefined && src.shape.join() !== t.shape.join()) {
        mismatched.push(`${name}: checkpoint [${src.shape.join(', ')}], model [${t.shape.join(', ')}]`);
      }
    }
    const problems: string[] = [];
    if (strict && missing.length) problems.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys (${unexpected.length}): ${unexpected.join(', ')}`);
    if (mismatched.length) problems.push(`shape mismatches (${mismatched.length}): ${mismatched.join('; ')}`);
    if (problems.length) throw new Error(`loadStateDict: nothing was loaded:\n  ${problems.join('\n  ')}`);
    noGrad(() => {
      for (const [name, t] of own) {
        const src = given.get(name);
        if (src !== undefined) t.copy_(src);
      }
    });
    return { missing, unexpected };
  }

  /** Frees every parameter and buffer of this module and its sub-modules. */
  dispose(): void {
    for (const p of this.params.values()) p.dispose();
    for (const b of this.buffers.values()) b.tensor.dispose();
    for (const m of this.children.values()) m.dispose();
  }

  private allParameters(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.params) out.push([prefix + name, p]);
    for (const [name, m] of this.children) out.push(...m.allParameters(`${prefix}${name}.`));
    return out;
  }

  private collectState(prefix: string, out: Map<string, Tensor>): void {
    for (const [name, p] of this.params) out.set(prefix + name, p);
    for (const [name, b] of this.buffers) if (b.persistent) out.set(prefix + name, b.tensor);
    for (const [name, m] of this.children) m.collectState(`${prefix}${name}.`, out);
  }

  /** One name, one thing: a parameter, buffer and sub-module cannot share a name. */
  private checkFreeName(name: string): void {
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new Error(`${this.constructor.name}: '${name}' is already registered as a ${this.kindOf(name)}`);
    }
  }

  private kindOf(name: string): string {
    return this.params.has(name) ? 'parameter' : this.buffers.has(name) ? 'buffer' : 'sub-module';
  }
}
