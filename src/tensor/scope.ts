/**
 * Native memory management. A tensor's memory lives outside the JS heap, so it is freed
 * explicitly: by `dispose()`, or by the `tidy()` scope it was made in. A FinalizationRegistry
 * frees what slipped through once the GC collects the JS object (set RLHF_DEBUG_TENSORS=1
 * to be told where such tensors were made). Registering costs more than the op itself, so
 * only tensors that no scope will free are registered: those made outside any tidy(), kept
 * with keep(), or returned from the outermost tidy().
 *
 * ```ts
 * const loss = tidy(() => model.forward(x).logSoftmax(-1).mean()); // temporaries freed
 * memory().numTensors; // live tensor handles
 * ```
 */
import { native, type NativeHandle } from '../native/binding.js';

/** Anything with native memory that a scope may free. */
export interface Disposable {
  dispose(): void;
  /** Set by keep(): survives the scope it was made in. */
  kept: boolean;
}

/** A tensor as the scopes see it. */
export interface Tracked extends Disposable {
  readonly handle: NativeHandle;
  /** Registered with the GC safety net. */
  netted: boolean;
  /** Where it was made, with RLHF_DEBUG_TENSORS=1. */
  madeAt?: string;
}

const scopes: Tracked[][] = [];
const debugTensors = process.env.RLHF_DEBUG_TENSORS === '1';

interface Held {
  handle: NativeHandle;
  madeAt?: string;
}

const registry = new FinalizationRegistry<Held>((held) => {
  if (!native.isAlive(held.handle)) return;
  if (held.madeAt) process.emitWarning(`a tensor was garbage-collected without dispose(); it was made ${held.madeAt}`);
  native.dispose(held.handle);
});

/** Hands a new tensor to the current scope, or to the GC safety net when there is none. */
export function track(tensor: Tracked): void {
  if (debugTensors) tensor.madeAt = new Error().stack?.split('\n').slice(3, 6).join(' <- ').trim();
  const scope = scopes[scopes.length - 1];
  if (scope) scope.push(tensor);
  else net(tensor);
}

/** Called on dispose. */
export function untrack(tensor: Tracked): void {
  if (tensor.netted) registry.unregister(tensor);
}

function net(tensor: Tracked): void {
  if (tensor.netted) return;
  tensor.netted = true;
  const held: Held = { handle: tensor.handle };
  if (tensor.madeAt) held.madeAt = tensor.madeAt;
  registry.register(tensor, held, tensor);
  native.netted(tensor.handle);
}

/**
 * Runs `fn` and frees every tensor created inside it except those it returns (found in
 * arrays, Maps and plain objects) and those passed to keep(). Returned tensors belong to
 * the enclosing scope. `fn` must be synchronous: a scope cannot span an await.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Tracked[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) if (!t.kept) t.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new TypeError('tidy(fn): fn returned a Promise; a scope cannot span an await. Keep tensor math synchronous.');
  }
  const returned = new Set<Disposable>();
  collectDisposables(result, returned, 0);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (returned.has(t)) {
      if (parent) parent.push(t);
      else net(t);
    } else if (!t.kept) t.dispose();
  }
  return result;
}

/** Lets a tensor outlive the tidy() scope it is made in. Returns it. */
export function keep<T extends Disposable>(tensor: T): T {
  tensor.kept = true;
  if (isTracked(tensor)) net(tensor);
  return tensor;
}

/** Disposes every tensor found in a value (arrays, Maps, plain objects). */
export function dispose(value: unknown): void {
  const found = new Set<Disposable>();
  collectDisposables(value, found, 0);
  for (const t of found) t.dispose();
}

/**
 * Live tensor handles, the bytes of the distinct storages they reference, and V8's total of
 * external memory after the addon last reported to it. Only tensors on the GC safety net are
 * reported (so the GC runs sooner when unreachable ones pile up); scope-held tensors are not,
 * since a collection cannot free them.
 */
export function memory(): { numTensors: number; numBytes: number; v8ExternalBytes: number } {
  return native.memory();
}

/**
 * CPU tensor memory as libtorch's allocator sees it (the addon counts every CPU allocation):
 * `allocated` bytes live now, including what only autograd or an op holds, and `peak`, the most
 * since resetCpuMemoryPeak() — torch.cuda.memory_allocated / max_memory_allocated for the CPU.
 */
export function cpuMemory(): { allocated: number; peak: number } {
  return native.cpuMemory();
}

/** Starts a new peak for cpuMemory() from what is allocated now. */
export function resetCpuMemoryPeak(): void {
  native.resetCpuMemoryPeak();
}

function isTracked(value: Disposable): value is Disposable & Tracked {
  return 'netted' in value;
}

function isDisposable(value: object): value is Disposable {
  return typeof (value as Disposable).dispose === 'function' && 'kept' in value;
}

function collectDisposables(value: unknown, out: Set<Disposable>, depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (isDisposable(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectDisposables(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectDisposables(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectDisposables(v, out, depth + 1);
  }
}
