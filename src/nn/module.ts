/**
 * Module: a tree of named parameters and sub-modules, with Hugging Face style dotted names
 * (`layers.0.attn.q.weight`) so state dicts map onto safetensors checkpoints one to one.
 *
 * ```ts
 * class Mlp extends Module {
 *   up = this.child('up', new Linear(64, 256));
 *   down = this.child('down', new Linear(256, 64));
 *   forward(x: Tensor) { return this.down.forward(this.up.forward(x).gelu()); }
 * }
 * ```
 */
import { noGrad } from '../tensor/autograd.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

export abstract class Module {
  /** Dropout and similar layers act only in training mode. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Registers a trainable tensor under `name`; it outlives any tidy() scope. */
  protected param(name: string, value: Tensor, trainable = true): Tensor {
    this.params.set(name, keep(value));
    if (trainable && !value.requiresGrad) value.requiresGrad_(true);
    return value;
  }

  protected child<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** Every parameter with its dotted path, depth first in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.params) out.push([prefix + name, p]);
    for (const [name, m] of this.children) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of elements over all parameters. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel, 0);
  }

  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters by dotted name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /** Copies values into the parameters; names and shapes must match exactly unless strict=false. */
  loadStateDict(state: Map<string, Tensor>, strict = true): void {
    const own = this.stateDict();
    if (strict) {
      const missing = [...own.keys()].filter((k) => !state.has(k));
      const unexpected = [...state.keys()].filter((k) => !own.has(k));
      if (missing.length || unexpected.length) {
        throw new Error(`loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`);
      }
    }
    noGrad(() => {
      for (const [name, p] of own) {
        const src = state.get(name);
        if (src === undefined) continue;
        if (src.shape.join() !== p.shape.join()) {
          throw new Error(`loadStateDict: '${name}' has shape [${src.shape}] but the module expects [${p.shape}]`);
        }
        p.copy_(src);
      }
    });
  }

  /** Frees every parameter. */
  dispose(): void {
    for (const p of this.params.values()) p.dispose();
    for (const m of this.children.values()) m.dispose();
  }
}
