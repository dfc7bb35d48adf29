/**
 * Gradient checkpointing (`training.gradient_checkpointing`): each decoder layer runs without
 * keeping its activations; after the loss's backward, the layers are run again one at a time,
 * last first, and backward goes through each with the gradient its output received. Only the
 * layers' inputs stay alive between forward and backward, one layer's activations at a time.
 *
 * Every layer input is a leaf that requires grad, so adapters on a frozen base (LoRA) get
 * their gradients (no "element 0 of tensors does not require grad" failure). Dropout replays
 * with the random state it first drew from. The replay runs inside `precision` (the autocast
 * the forward ran under).
 *
 * ```ts
 * const ckpt = new GradientCheckpoint();
 * const loss = ckpt.run(() => model.forward(batch).loss); // layers call ckpt.layer(...)
 * loss.backward();
 * ckpt.backward();   // replays the layers, gradients flow down to the embeddings
 * ckpt.dispose();
 * ```
 */
import { getRngState, isGradEnabled, keep, noGrad, setRngState, tidy, Tensor } from '../tensor/index.js';

interface Segment {
  /** The layer's input: a leaf that requires grad (the previous segment's output, or the chain's first). */
  input: Tensor;
  /** Its output, a leaf that requires grad: what the rest of the forward used. */
  output: Tensor;
  run: (x: Tensor) => Tensor;
  rng: Uint8Array;
  /** The chain's first segment: the tensor with the graph of what came before it (embeddings). */
  root: Tensor | null;
}

let active: GradientCheckpoint | null = null;

/** The checkpoint recording this forward, or null (then layers run as usual). */
export function activeCheckpoint(): GradientCheckpoint | null {
  return active !== null && isGradEnabled() ? active : null;
}

export class GradientCheckpoint {
  private readonly segments: Segment[] = [];
  private readonly outputs = new Set<Tensor>();
  private readonly retained: Tensor[] = [];

  /** Runs `forward` with this checkpoint active: the layers it runs record here. */
  run<T>(forward: () => T): T {
    const previous = active;
    active = this;
    try {
      return forward();
    } finally {
      active = previous;
    }
  }

  /**
   * Runs `layer` on `h` without a graph and returns its output as a new leaf; called by a
   * model's layer loop in place of `layer(h)`. The layer must be a function of `h` and of
   * tensors that stay alive until backward (retain() them).
   */
  layer(h: Tensor, layer: (x: Tensor) => Tensor): Tensor {
    let input = h;
    let root: Tensor | null = null;
    if (!this.outputs.has(h)) {
      // A new chain: h carries the graph of what came before; the layers see a leaf instead.
      root = keep(h);
      input = keep(h.detach().requiresGrad_(true));
    }
    const rng = getRngState();
    const out = noGrad(() => tidy(() => layer(input)));
    const output = keep(out.detach().requiresGrad_(true));
    out.dispose();
    this.segments.push({ input, output, run: layer, rng, root });
    this.outputs.add(output);
    return output;
  }

  /** Keeps tensors the layers read (masks, rotary tables) alive until dispose(). */
  retain(values: readonly unknown[]): void {
    for (const v of values) if (v instanceof Tensor) this.retained.push(keep(v));
  }

  /**
   * After the loss's backward: replays the layers last first, each followed by its backward
   * from the gradient its output received, then backward through each chain's root.
   */
  backward(precision: <T>(fn: () => T) => T = (fn) => fn()): void {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i] as Segment;
      const grad = s.output.grad;
      if (grad !== null) {
        const now = getRngState();
        setRngState(s.rng);
        try {
          tidy(() => precision(() => s.run(s.input)).backward({ gradient: grad }));
        } finally {
          setRngState(now);
          grad.dispose();
          // The output keeps its .grad (a hidden-size tensor per token) until dropped: drop it now, not at dispose().
          s.output.zeroGrad();
        }
      }
      const inputGrad = s.root !== null ? s.input.grad : null;
      if (s.root !== null && inputGrad !== null) {
        if (s.root.requiresGrad) tidy(() => (s.root as Tensor).backward({ gradient: inputGrad }));
        inputGrad.dispose();
        s.input.zeroGrad();
      }
    }
  }

  /** Frees every kept input, output and retained tensor. */
  dispose(): void {
    for (const s of this.segments) {
      s.input.dispose();
      s.output.dispose();
      s.root?.dispose();
    }
    for (const t of this.retained) t.dispose();
    this.segments.length = 0;
    this.outputs.clear();
    this.retained.length = 0;
  }
}

/**
 * A model's layer loop: each layer in its own scope (its temporaries freed when it returns,
 * autograd keeping what backward needs), or, under an active checkpoint, recorded for replay
 * with `context`'s tensors (masks, rotary tables) kept alive until backward.
 */
export function runLayers<L>(layers: Iterable<L>, h: Tensor, context: object, forward: (layer: L, x: Tensor) => Tensor): Tensor {
  const ckpt = activeCheckpoint();
  if (ckpt !== null) ckpt.retain(Object.values(context));
  let x = h;
  for (const layer of layers) {
    const input = x;
    x = ckpt === null ? tidy(() => forward(layer, input)) : ckpt.layer(input, (y) => forward(layer, y));
  }
  return x;
}
