/** The files a Hugging Face tokenizer directory is made of, so trained models ship with their tokenizer. */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja', 'added_tokens.json'] as const;

/** Copies the tokenizer files present in `from` into `to`; returns the names copied. */
export function copyTokenizerFiles(from: string, to: string): string[] {
  const present = TOKENIZER_FILES.filter((f) => existsSync(join(from, f)));
  if (present.length > 0) mkdirSync(to, { recursive: true });
  for (const f of present) copyFileSync(join(from, f), join(to, f));
  return present;
}
