/**
 * Plain float64 JS versions of the optimizer updates, written from the papers' formulas
 * (as PyTorch states them), elementwise over flat arrays. They share no code with
 * src/optim, so a test comparing the two checks the tensor implementation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor, tidy, type Tensor } from '../../src/index.js';

export interface RefAdamOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  /** AdamW (true) or Adam's L2 (false). */
  decoupled: boolean;
}

/** Parameters after each step of Adam/AdamW, given the gradient of every step. */
export function refAdam(p0: readonly number[], grads: readonly (readonly number[])[], o: RefAdamOptions): number[][] {
  const [b1, b2] = o.betas;
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const vMax = p.map(() => 0);
  const out: number[][] = [];
  grads.forEach((grad, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      let g = grad[i] as number;
      let pi = p[i] as number;
      if (o.decoupled) pi *= 1 - o.lr * o.weightDecay;
      else g += o.weightDecay * pi;
      const mi = (m[i] as number) * b1 + (1 - b1) * g;
      const vi = (v[i] as number) * b2 + (1 - b2) * g * g;
      vMax[i] = Math.max(vMax[i] as number, vi);
      const vHat = o.amsgrad ? (vMax[i] as number) : vi;
      const denom = Math.sqrt(vHat) / Math.sqrt(1 - b2 ** t) + o.eps;
      p[i] = pi - (o.lr / (1 - b1 ** t)) * (mi / denom);
      m[i] = mi;
      v[i] = vi;
    }
    out.push([...p]);
  });
  return out;
}

export interface RefSgdOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Parameters after each SGD step (PyTorch's momentum form: the first buffer is the gradient). */
export function refSgd(p0: readonly number[], grads: readonly (readonly number[])[], o: RefSgdOptions): number[][] {
  const p = [...p0];
  const buf: (number | undefined)[] = p.map(() => undefined);
  const out: number[][] = [];
  for (const grad of grads) {
    for (let i = 0; i < p.length; i++) {
      let d = (grad[i] as number) + o.weightDecay * (p[i] as number);
      if (o.momentum !== 0) {
        const prev = buf[i];
        const b = prev === undefined ? d : o.momentum * prev + (1 - o.dampening) * d;
        buf[i] = b;
        d = o.nesterov ? d + o.momentum * b : b;
      }
      p[i] = (p[i] as number) - o.lr * d;
    }
    out.push([...p]);
  }
  return out;
}

/** Sets p.grad to a float64 tensor of `values` (shape of p) without leaving a handle behind. */
export function setGrad(p: Tensor, values: readonly number[]): void {
  tidy(() => {
    p.grad = tensor([...values], { dtype: p.dtype }).reshape([...p.shape]);
  });
}

/** Asserts two flat arrays agree elementwise within `tol`, naming the first index that does not. */
export function assertClose(actual: readonly number[], expected: readonly number[], tol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  actual.forEach((a, i) => {
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= tol)) throw new Error(`${what}[${i}]: ${a} vs expected ${e} (|diff| ${Math.abs(a - e)} > ${tol})`);
  });
}

export const flat = (t: Tensor): number[] => t.flatValues() as number[];

// ---- test/fixtures/optim/optim.json (made by make_optim_fixtures.py with PyTorch) ----

export interface OptimFixtures {
  torch_version: string;
  initial_params: number[][];
  grads: number[][][];
  optimizers: Record<string, { optimizer: string; options: Record<string, unknown>; params_after_step: number[][][] }>;
  clip_grad_norm: {
    grads: [number[][], number[]];
    cases: { max_norm: number; norm_type: number | 'inf'; total_norm: number; clipped_grads: [number[][], number[]] }[];
  };
}

const here = dirname(fileURLToPath(import.meta.url));
// The JSON stays in the source tree: look from test/optim/ and from dist/test/optim/.
const candidates = [join(here, '..', 'fixtures', 'optim', 'optim.json'), join(here, '..', '..', '..', 'test', 'fixtures', 'optim', 'optim.json')];

export function optimFixtures(): OptimFixtures {
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`optim.json not found (looked in ${candidates.join(', ')}); regenerate with python3 test/fixtures/optim/make_optim_fixtures.py`);
  return JSON.parse(readFileSync(path, 'utf8')) as OptimFixtures;
}

/** The starting parameters and three gradients shared by the optimizer trajectory tests. */
export const P0 = [0.5, -1.25, 2.0, 0.75, -0.1, 3.5];
export const GRADS = [
  [1.5, -2.0, 0.25, -0.75, 3.0, 0.5],
  [0.1, 0.2, -0.3, 0.4, -0.5, 0.6],
  [-0.05, 0.15, 0.02, 0.3, 0.01, -0.2],
];

/** Runs one step per gradient on a (2, 3) float64 parameter from P0; returns the flat params after each. */
export function runSteps(make: (params: Tensor[]) => { step(): void; dispose(): void }, grads: number[][] = GRADS): number[][] {
  const p = tensor([P0.slice(0, 3), P0.slice(3)], { dtype: 'float64', requiresGrad: true });
  const opt = make([p]);
  const out: number[][] = [];
  for (const g of grads) {
    setGrad(p, g);
    opt.step();
    out.push(flat(p));
  }
  opt.dispose();
  p.dispose();
  return out;
}
