/** transformers' id2label / label2id config entries of classification heads. */

/** `{ id2label: {"0": "LABEL_0", ...}, label2id: {"LABEL_0": 0, ...} }` for `numLabels` labels. */
export function labelMaps(numLabels: number): { id2label: Record<string, string>; label2id: Record<string, number> } {
  const id2label = Object.fromEntries(Array.from({ length: numLabels }, (_, i) => [String(i), `LABEL_${i}`]));
  const label2id = Object.fromEntries(Object.entries(id2label).map(([i, l]) => [l, Number(i)]));
  return { id2label, label2id };
}

/** The label count a config.json declares through id2label, if any. */
export function numLabelsOf(raw: Record<string, unknown>): number | undefined {
  return raw.id2label && typeof raw.id2label === 'object' ? Object.keys(raw.id2label).length : undefined;
}
