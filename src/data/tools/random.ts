/** A Fisher-Yates shuffle over the seeded generator, so data tools are reproducible. */
export { seededRandom } from '../collate/sampler.js';
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
