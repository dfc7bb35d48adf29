/**
 * The settings transformers keeps beside tokenizer.json: special tokens, padding and
 * truncation sides, the length limit and the chat templates, read from
 * tokenizer_config.json, special_tokens_map.json and chat_template.jinja with the same
 * precedence as transformers 5's `AutoTokenizer.from_pretrained`: explicit overrides first;
 * special_tokens_map.json is a legacy file, read (and winning over tokenizer_config.json) only
 * when the config has no `added_tokens_decoder`; chat_template.jinja replaces the config's
 * default template.
 */
import { TokenizerFileError } from './errors.js';
import type { JsonObject } from './files.js';
import type { PaddingSide, SpecialTokens, TruncationSide } from './types.js';

/** Settings to impose over what the tokenizer files say. */
export interface TokenizerOverrides {
  /** A special token given as null removes it (e.g. `bosToken: null`). */
  bosToken?: string | null;
  eosToken?: string | null;
  /** Many base models ship without a pad token; trainers often use the eos token. */
  padToken?: string | null;
  paddingSide?: PaddingSide;
  truncationSide?: TruncationSide;
  modelMaxLength?: number;
  /** A Jinja chat template to use instead of the one in the files. */
  chatTemplate?: string;
}

export interface TokenizerSettings {
  special: SpecialTokens;
  paddingSide: PaddingSide;
  truncationSide: TruncationSide;
  /** Infinity when the files set no limit. */
  modelMaxLength: number;
  /** transformers' `clean_up_tokenization_spaces` (false when unset, the transformers 5 default). */
  cleanUpTokenizationSpaces: boolean;
  /** Named chat templates; the tokenizer's own one is under 'default'. */
  chatTemplates: ReadonlyMap<string, string>;
}

/** Where each piece came from, for error messages. */
export interface SettingsSources {
  config: JsonObject;
  configPath: string;
  specialTokensMap?: JsonObject;
  specialTokensMapPath: string;
  /** Contents of chat_template.jinja, when present. */
  chatTemplateFile?: string;
}

// transformers writes model_max_length = int(1e30) when a model declares no limit.
const UNSET_LENGTH_SENTINEL = 1e18;

const SPECIAL_KEYS = ['bos_token', 'eos_token', 'pad_token', 'unk_token'] as const;

/** Merges the files and the overrides into typed settings; throws naming the file at fault. */
export function resolveSettings(src: SettingsSources, overrides: TokenizerOverrides = {}): TokenizerSettings {
  const { config, configPath } = src;
  const map = 'added_tokens_decoder' in config ? undefined : src.specialTokensMap;
  const merged: Record<(typeof SPECIAL_KEYS)[number], string | null> = { bos_token: null, eos_token: null, pad_token: null, unk_token: null };
  for (const key of SPECIAL_KEYS) {
    merged[key] = tokenContent(config[key], key, configPath);
    if (map !== undefined && key in map) merged[key] = tokenContent(map[key], key, src.specialTokensMapPath);
  }
  const additional =
    map !== undefined && hasAdditional(map) ? additionalTokens(map, src.specialTokensMapPath) : additionalTokens(config, configPath);

  const special: SpecialTokens = {
    bosToken: overrides.bosToken !== undefined ? overrides.bosToken : merged.bos_token,
    eosToken: overrides.eosToken !== undefined ? overrides.eosToken : merged.eos_token,
    padToken: overrides.padToken !== undefined ? overrides.padToken : merged.pad_token,
    unkToken: merged.unk_token,
    additionalSpecialTokens: additional,
  };

  const chatTemplates = chatTemplatesOf(config, configPath);
  if (src.chatTemplateFile !== undefined) chatTemplates.set('default', src.chatTemplateFile);
  if (overrides.chatTemplate !== undefined) chatTemplates.set('default', overrides.chatTemplate);

  const maxLength = overrides.modelMaxLength ?? numberField(config, 'model_max_length', configPath) ?? Infinity;
  return {
    special,
    paddingSide: overrides.paddingSide ?? sideField(config, 'padding_side', configPath) ?? 'right',
    truncationSide: overrides.truncationSide ?? sideField(config, 'truncation_side', configPath) ?? 'right',
    modelMaxLength: maxLength >= UNSET_LENGTH_SENTINEL ? Infinity : maxLength,
    cleanUpTokenizationSpaces: config['clean_up_tokenization_spaces'] === true,
    chatTemplates,
  };
}

/** A special token is written either as a string or as an AddedToken object `{ content, ... }`. */
function tokenContent(value: unknown, key: string, path: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  throw new TokenizerFileError(path, `Malformed tokenizer file ${path}: ${key} must be a string or {"content": ...}, got ${JSON.stringify(value)}`);
}

function hasAdditional(obj: JsonObject): boolean {
  return Array.isArray(obj['additional_special_tokens']) || Array.isArray(obj['extra_special_tokens']);
}

// transformers 5 renamed additional_special_tokens to extra_special_tokens; read both.
function additionalTokens(obj: JsonObject, path: string): string[] {
  const out: string[] = [];
  for (const key of ['additional_special_tokens', 'extra_special_tokens']) {
    const list = obj[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const content = tokenContent(item, key, path);
      if (content !== null && !out.includes(content)) out.push(content);
    }
  }
  return out;
}

/** `chat_template` is a string, or a list of `{ name, template }` (older multi-template configs). */
function chatTemplatesOf(config: JsonObject, path: string): Map<string, string> {
  const value = config['chat_template'];
  const templates = new Map<string, string>();
  if (value === undefined || value === null) return templates;
  if (typeof value === 'string') return templates.set('default', value);
  if (Array.isArray(value)) {
    for (const entry of value) {
      const { name, template } = (entry ?? {}) as { name?: unknown; template?: unknown };
      if (typeof name !== 'string' || typeof template !== 'string') {
        throw new TokenizerFileError(path, `Malformed tokenizer file ${path}: each chat_template entry needs string "name" and "template"`);
      }
      templates.set(name, template);
    }
    return templates;
  }
  throw new TokenizerFileError(path, `Malformed tokenizer file ${path}: chat_template must be a string or a list of {name, template}`);
}

function sideField(config: JsonObject, key: string, path: string): 'left' | 'right' | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (value === 'left' || value === 'right') return value;
  throw new TokenizerFileError(path, `Malformed tokenizer file ${path}: ${key} must be "left" or "right", got ${JSON.stringify(value)}`);
}

function numberField(config: JsonObject, key: string, path: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && value > 0) return value;
  throw new TokenizerFileError(path, `Malformed tokenizer file ${path}: ${key} must be a positive number, got ${JSON.stringify(value)}`);
}
