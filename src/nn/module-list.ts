/** An indexed list of sub-modules, named 0, 1, ... (torch.nn.ModuleList). */
import { Module } from './module.js';

export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];

  constructor(items: M[]) {
    super();
    this.items = items.map((m, i) => this.child(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
