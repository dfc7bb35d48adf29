/**
 * Where a model named by a Hugging Face hub id lives on disk: the hub cache's layout
 * (`<cache>/models--<org>--<name>/snapshots/<revision>/`), as `huggingface-cli download` and
 * transformers write it. rlhf-ts reads that cache; it never downloads.
 *
 * ```ts
 * locatePretrained('Qwen/Qwen2-0.5B', { cacheDir: null, key: 'model.name_or_path' });
 * // -> ~/.cache/huggingface/hub/models--Qwen--Qwen2-0.5B/snapshots/<refs/main>
 * locatePretrained('examples/models/arith-tiny', { cacheDir: null, key: 'model.name_or_path' }); // an existing directory: itself
 * ```
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** The hub cache: `cacheDir` when given, else $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function hubCacheDir(cacheDir: string | null, env: Env = process.env): string {
  if (cacheDir !== null) return resolve(cacheDir);
  if (env['HF_HUB_CACHE']) return resolve(env['HF_HUB_CACHE']);
  if (env['HF_HOME']) return resolve(env['HF_HOME'], 'hub');
  return join(homedir(), '.cache', 'huggingface', 'hub');
}

/** `org/name` or `name`: what the hub accepts as a model id (a path such as `./x` or `/x` is not one). */
export function isHubId(name: string): boolean {
  return /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(name) && !isAbsolute(name);
}

const isDirectory = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** The snapshot refs/main points at, else the only snapshot; null when neither exists. */
function snapshotOf(repoDir: string): string | null {
  const snapshots = join(repoDir, 'snapshots');
  if (!isDirectory(snapshots)) return null;
  const main = join(repoDir, 'refs', 'main');
  if (existsSync(main)) {
    const dir = join(snapshots, readFileSync(main, 'utf8').trim());
    if (isDirectory(dir)) return dir;
  }
  const all = readdirSync(snapshots).filter((d) => isDirectory(join(snapshots, d)));
  return all.length === 1 ? join(snapshots, all[0] as string) : null;
}

export interface LocateOptions {
  /** `model.cache_dir` (null: the default cache). */
  cacheDir: string | null;
  /** The config key that names the model, for the error. */
  key: string;
  env?: Env;
}

/**
 * The directory of `nameOrPath`: itself when it is an existing directory, else the snapshot of
 * the hub id `nameOrPath` in the hub cache. Throws naming the config key, where it looked and
 * how to get the model, when neither exists.
 */
export function locatePretrained(nameOrPath: string, options: LocateOptions): string {
  const local = resolve(nameOrPath);
  if (isDirectory(local)) return local;
  if (!isHubId(nameOrPath)) throw new Error(`${options.key}: ${nameOrPath} is not a directory (resolved to ${local})`);
  const cache = hubCacheDir(options.cacheDir, options.env);
  const repoDir = join(cache, `models--${nameOrPath.replaceAll('/', '--')}`);
  const snapshot = snapshotOf(repoDir);
  if (snapshot !== null) return snapshot;
  const found = isDirectory(join(repoDir, 'snapshots'))
    ? `${repoDir}/snapshots/ holds several snapshots and refs/main names none of them`
    : `${repoDir}/snapshots/ does not exist`;
  throw new Error(
    `${options.key}: '${nameOrPath}' is neither a directory (${local}) nor a model in the Hugging Face cache (${found}; ` +
      'the cache is model.cache_dir, else $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub). ' +
      `rlhf-ts does not download models: fetch it with \`huggingface-cli download ${nameOrPath}\` (into that cache, or pass --local-dir and point ${options.key} at the directory) and rerun.`,
  );
}
