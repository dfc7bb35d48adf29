/**
 * The raw-text corpus a pretraining run names (data.datasets.text), as packed token blocks of
 * data.max_length: tokenized once into a cache (pretrain.cache_dir, default
 * <output_dir>/token-blocks/<split>) and reused while the files, the tokenizer and the block
 * length stay the same. Data-parallel, rank 0 builds the cache and the other ranks wait for it.
 *
 * Two encodings: `causal` (pretrain) puts EOS after every document and positions restart there;
 * `masked` (mlm, as transformers' run_mlm.py groups texts) encodes each document with the
 * tokenizer's special tokens ([CLS] ... [SEP] for BERT; EOS appended where the tokenizer adds
 * none) and a block is one sequence.
 */

/** The process group's part in building a shared cache (trainers pass currentGroup()). */
export interface CacheGroup {
  readonly rank: number;
  barrier(): void;
}
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { unsupportedDataSettings, type RunConfig } from '../../config/index.js';
import type { TextTokenizer } from '../../tokenizers/index.js';
import { padIdOf } from '../collate/pad.js';
import { streamDocuments, type CorpusFile } from '../pretrain/documents.js';
import { buildTokenBlocks, TokenBlocks } from '../pretrain/token-blocks.js';
import type { Split } from './files.js';

/** A fixed text whose ids tell tokenizers apart cheaply (vocabulary, merges, normalisation). */
const TOKENIZER_PROBE = 'The quick brown fox jumps over 13 lazy dogs. 敏捷的棕色狐狸跳过了懒狗。 éàü 🙂\n\tindent';

/** The split's data.datasets.text files (data.dataset_path first for training), with their weights. */
export function textCorpusFiles(config: RunConfig, split: Split): CorpusFile[] {
  const refused = unsupportedDataSettings(config, 'text', split);
  if (refused.length > 0) throw new Error(refused.map((u) => u.message).join('\n'));
  const group = config.data.datasets.text;
  const files = (split === 'train' ? group?.train_files : group?.validation_files) ?? [];
  const out = files.map((f) => ({ path: f.path, weight: f.weight }));
  if (split === 'train' && config.data.dataset_path !== null) out.unshift({ path: config.data.dataset_path, weight: 1 });
  return out;
}

/** What a cache depends on: the files (path, size, time), how they are read, the tokenizer's ids, the block layout. */
/** How documents become ids (see the file comment). */
export type TextEncoding = 'causal' | 'masked';

function fingerprintOf(files: readonly CorpusFile[], config: RunConfig, tokenizer: TextTokenizer, encoding: TextEncoding, pad: number): string {
  const stamp = files.map((f) => {
    const s = statSync(f.path);
    return { path: f.path, weight: f.weight ?? 1, size: s.size, mtime: s.mtimeMs };
  });
  const key = { stamp, textDocuments: config.data.text_documents, seed: config.training.seed, blockLength: config.data.max_length, encoding, eos: tokenizer.eosTokenId, pad, vocab: tokenizer.vocabSize, probe: tokenizer.encode(TOKENIZER_PROBE, { addSpecialTokens: false }) };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}

/**
 * The split's token blocks (null when the config names no text files for it). `log` hears about
 * a cache being built or reused.
 */
export async function loadTextBlocks(
  config: RunConfig, tokenizer: TextTokenizer, split: Split, options: { encoding?: TextEncoding; log?: (line: string) => void; group?: CacheGroup | null } = {},
): Promise<TokenBlocks | null> {
  const log = options.log ?? (() => {});
  const encoding = options.encoding ?? 'causal';
  const files = textCorpusFiles(config, split);
  if (files.length === 0) return null;
  const eos = tokenizer.eosTokenId;
  if (encoding === 'causal' && eos === null) throw new Error('pretrain: the tokenizer has no eos token to put between documents; set eos_token in its tokenizer_config.json');
  const pad = padIdOf(tokenizer);
  const dir = join(config.pretrain.cache_dir ?? join(config.training.output_dir, 'token-blocks'), split);
  const fingerprint = fingerprintOf(files, config, tokenizer, encoding, pad);
  const encode = encoding === 'causal'
    ? (text: string) => [...tokenizer.encode(text, { addSpecialTokens: false }), eos as number]
    : (text: string) => {
      const ids = tokenizer.encode(text, { addSpecialTokens: true });
      return eos !== null && !tokenizer.allSpecialIds.includes(ids.at(-1) as number) ? [...ids, eos] : ids;
    };
  const group = options.group ?? null;
  if (group === null || group.rank === 0) {
    const cached = TokenBlocks.open(dir, fingerprint);
    if (cached !== null) {
      log(`${split} corpus: ${cached.meta.blocks} blocks of ${cached.meta.blockLength} tokens from the cache in ${dir}`);
    } else {
      log(`${split} corpus: tokenizing ${files.map((f) => f.path).join(', ')} into ${dir}`);
      const started = Date.now();
      const built = await buildTokenBlocks(
        streamDocuments(files, { textDocuments: config.data.text_documents, seed: config.training.seed, onError: config.data.on_error }),
        encode,
        { dir, blockLength: config.data.max_length, eosTokenId: encoding === 'causal' ? (eos as number) : -1, padTokenId: pad, fingerprint },
      );
      const m = built.meta;
      log(`${split} corpus: ${m.documents} documents, ${m.tokens} tokens, ${m.blocks} blocks of ${m.blockLength} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      built.close();
    }
  }
  group?.barrier();
  const blocks = TokenBlocks.open(dir, fingerprint);
  if (blocks === null) throw new Error(`pretrain: the token cache in ${dir} is missing or was built from other files (rank ${group?.rank ?? 0})`);
  return blocks;
}
