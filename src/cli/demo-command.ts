/** `rlhf demo`: flags for the built-in demo run. */
import { parseArgs } from 'node:util';
import { DEMO_DEFAULTS, runDemo } from './demo.js';

export const DEMO_USAGE = `rlhf demo [--steps N (${DEMO_DEFAULTS.steps})] [--lr X (${DEMO_DEFAULTS.lr})] [--seed N (${DEMO_DEFAULTS.seed})]`;

export function runDemoCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { steps: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' } }, strict: true });
  const num = (flag: string, v: string | undefined, fallback: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${flag} expects a number, got '${v}'`);
    return n;
  };
  const { first, last } = runDemo({
    steps: num('steps', values.steps, DEMO_DEFAULTS.steps),
    lr: num('lr', values.lr, DEMO_DEFAULTS.lr),
    seed: num('seed', values.seed, DEMO_DEFAULTS.seed),
  });
  return last < first ? 0 : 1;
}
