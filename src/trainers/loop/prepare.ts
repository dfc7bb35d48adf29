/**
 * What every training run does before its first step, in one order for every algorithm:
 * check model.dtype against the device, locate the model and tokenizer (a directory, or a hub
 * id in the Hugging Face cache), load the tokenizer (model.tokenizer_name_or_path, else the
 * model's), then — once the run's data is read — write resolved_config.yaml, seed
 * training.seed, load the model in model.dtype (model.init) and attach LoRA adapters.
 *
 * ```ts
 * const run = prepareRun(config);
 * const train = await loadSftExamples(run.config, run.tokenizer(), 'train');
 * const { model, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
 * ```
 */
import type { ModelDtype, RunConfig } from '../../config/index.js';
import { resolveModelPaths, tokenizerDirOf, writeResolvedConfig } from '../../config/index.js';
import type { Module } from '../../nn/module.js';
import type { LoraOptions } from '../../nn/index.js';
import { manualSeed, type Device } from '../../tensor/index.js';
import { Tokenizer } from '../../tokenizers/index.js';
import { resolveTrainingDevice } from './device.js';
import { applyLoraFromConfig } from './lora-config.js';
import { assertOutputDirFree } from './output-lock.js';

/** How the trained model is loaded: model.dtype, and model.init from_scratch (seeded by training.seed). */
export interface ModelLoadOptions {
  dtype: ModelDtype;
  fromScratch: boolean;
  seed: number;
}

export interface PreparedRun {
  /** The config with model.name_or_path and model.tokenizer_name_or_path located on disk (absolute directories). */
  readonly config: RunConfig;
  /** The located model directory. */
  readonly modelDir: string;
  /** The located tokenizer directory (model.tokenizer_name_or_path, else the model's). */
  readonly tokenizerDir: string;
  /** model.dtype: every model the run loads (reference, value model) loads in it too. */
  readonly dtype: ModelDtype;
  /** The run's tokenizer, loaded once on first use. */
  tokenizer(): Tokenizer;
  /**
   * Writes resolved_config.yaml, seeds training.seed, builds the trained model with `load`
   * from the model directory (pass `options` on to loadCausalLm / X.fromPretrained) and, with
   * lora.enabled, attaches adapters (freezing the base). Call it once the data is read.
   */
  startModel<M extends Module>(load: (dir: string, options: ModelLoadOptions) => M): { model: M; lora: LoraOptions | null };
}

/**
 * model.dtype checked against the device the run trains on, before anything loads: float16
 * needs CUDA (libtorch's CPU matmul, addmm, has no float16 kernel), and float16 weights cannot take
 * training.fp16's loss scaling (its unscale step needs float32 gradients, as torch.cuda.amp's).
 */
export function checkModelDtype(config: RunConfig, device: Device = resolveTrainingDevice(config.training)): void {
  const dtype = config.model.dtype;
  if (dtype !== 'float16') return;
  if (device === 'cpu') {
    throw new Error(
      `model.dtype is float16, but the run trains on the CPU (training.device ${config.training.device}), where float16 training is not supported: ` +
        'set model.dtype: bfloat16 (or float32), or train on a CUDA device',
    );
  }
  if (config.training.fp16) {
    throw new Error(
      'model.dtype is float16 and training.fp16 is true: fp16 loss scaling unscales float32 gradients of float32 weights (torch.cuda.amp semantics), ' +
        'so set model.dtype: float32 with training.fp16: true (mixed precision), or keep model.dtype float16 with training.fp16: false',
    );
  }
}

/** Checks model.dtype, locates the model and tokenizer; the model itself loads in startModel. */
export function prepareRun(config: RunConfig): PreparedRun {
  checkModelDtype(config);
  const located = resolveModelPaths(config);
  const modelDir = located.model.name_or_path;
  const tokenizerDir = tokenizerDirOf(located);
  const dtype = config.model.dtype;
  let tokenizer: Tokenizer | null = null;
  let started = false;
  return {
    config: located,
    modelDir,
    tokenizerDir,
    dtype,
    tokenizer: () => (tokenizer ??= Tokenizer.fromPretrained(tokenizerDir)),
    startModel(load) {
      if (started) throw new Error('prepareRun: startModel was already called for this run');
      started = true;
      assertOutputDirFree(config.training.output_dir); // a refused second run must not overwrite the holder's resolved config
      writeResolvedConfig(config.training.output_dir, config);
      const seed = config.training.seed;
      manualSeed(seed); // a fresh head (reward, critic, PRM) or a from_scratch model starts the same for the same seed
      const model = load(modelDir, { dtype, fromScratch: config.model.init === 'from_scratch', seed });
      return { model, lora: applyLoraFromConfig(model, config.lora) };
    },
  };
}
