/** Errors raised while loading tokenizers and rendering chat templates. */

/**
 * A tokenizer file is missing, unreadable or malformed. `path` is the file (or directory)
 * at fault, so the message always says where to look, e.g.
 * `Malformed tokenizer file /models/x/tokenizer.json: Unexpected token } in JSON at position 12`.
 */
export class TokenizerFileError extends Error {
  override readonly name = 'TokenizerFileError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A chat template failed to compile or render, or raised on purpose through
 * `raise_exception(...)` (transformers raises `jinja2.TemplateError` there).
 */
export class ChatTemplateError extends Error {
  override readonly name = 'ChatTemplateError';
}
