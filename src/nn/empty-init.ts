/**
 * Building a module whose weights a checkpoint is about to overwrite, without initialising them
 * (transformers' meta-device / `init_empty_weights` loading): inside `withEmptyInit(fn)` layers
 * allocate their parameters with `empty` and skip the random draw. Untouched pages of a large
 * `empty` allocation are not yet resident, so the model costs no memory until weights arrive.
 *
 * ```ts
 * const lm = withEmptyInit(() => new CausalLM(config)); // parameters hold garbage until loaded
 * ```
 */
let depth = 0;

/** Runs `build` with parameter initialisation skipped; the module's weights must be loaded before use. */
export function withEmptyInit<T>(build: () => T): T {
  depth++;
  try {
    return build();
  } finally {
    depth--;
  }
}

/** True inside withEmptyInit: layers then leave their freshly allocated weights as they are. */
export function initSkipped(): boolean {
  return depth > 0;
}
