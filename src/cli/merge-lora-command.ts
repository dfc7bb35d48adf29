/** `rlhf merge-lora --base DIR --adapter DIR --out DIR`: folds a PEFT LoRA adapter into the base weights. */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCausalLm, readGenerationConfig, savePretrained } from '../models/index.js';
import { loadLoraAdapter, removeLora } from '../nn/index.js';
import { parseDtype } from './model-session.js';

export const MERGE_LORA_USAGE = 'rlhf merge-lora --base DIR --adapter DIR --out DIR [--dtype float32|bfloat16]';

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja'];

export function runMergeLora(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { base: { type: 'string' }, adapter: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' } },
    strict: true,
  });
  if (!values.base || !values.adapter || !values.out) throw new Error(`--base, --adapter and --out are required\n${MERGE_LORA_USAGE}`);
  const model = loadCausalLm(values.base, { dtype: parseDtype(values.dtype) });
  try {
    const config = loadLoraAdapter(model, values.adapter);
    const merged = removeLora(model, { merge: true });
    const generationConfig = readGenerationConfig(values.base);
    savePretrained(model, values.out, generationConfig ? { generationConfig } : {});
    mkdirSync(values.out, { recursive: true });
    for (const f of TOKENIZER_FILES) if (existsSync(join(values.base, f))) copyFileSync(join(values.base, f), join(values.out, f));
    console.log(`merge-lora: folded r=${config.r} adapters into ${merged.length} layers; wrote ${values.out}`);
  } finally {
    model.dispose();
  }
  return 0;
}
