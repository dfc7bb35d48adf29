/**
 * The feed-forward activations of the GPT-2 and BERT families, by their transformers names
 * (config.json `activation_function` / `hidden_act`): `gelu` is the exact (erf) GELU,
 * `gelu_new` / `gelu_pytorch_tanh` the tanh approximation.
 */
export const HF_ACTIVATIONS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'] as const;
export type HfActivation = (typeof HF_ACTIVATIONS)[number];
