/** The bench's prompt ids, the same formula as measure_hf.py: (i * 7919 + row * 104729 + 13) % 32000 + 100. */
export function benchPrompts(rows: number, length: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length }, (_, i) => ((i * 7919 + r * 104729 + 13) % 32000) + 100));
}
