/**
 * What a checkpoint (and the final output dir) holds of a trained model: the whole model in HF
 * format, or, when LoRA adapters are attached, only a PEFT adapter (the frozen base is the
 * starting model).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPretrainedWeights, savePretrained, type HfSerializable } from '../models/index.js';
import type { Module } from '../nn/module.js';
import { ADAPTER_WEIGHTS_FILE, PEFT_KEY_PREFIX, loraLayers, loraStateDict, saveLoraAdapter, type LoraOptions } from '../nn/index.js';
import { loadSafetensors } from '../io/index.js';
import { noGrad, tidy } from '../tensor/index.js';

/** Saves the trained model into `dir`: a PEFT adapter when `lora` is given, else the full HF model. */
export function saveTrainedModel(model: Module & HfSerializable, dir: string, lora: LoraOptions | null, baseModelName?: string): void {
  if (lora === null) savePretrained(model, dir);
  else saveLoraAdapter(model, dir, lora, baseModelName === undefined ? {} : { baseModelName });
}

/** Loads what saveTrainedModel wrote back into the same (adapted) model, for resume. */
export function loadTrainedModel(model: Module, dir: string): void {
  if (loraLayers(model).length === 0) {
    // Read, not mapped: training rewrites every weight (a mapping would fault and copy each page).
    noGrad(() => loadPretrainedWeights(model, dir, { mmap: false }));
    return;
  }
  const file = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(file)) throw new Error(`${dir}: no ${ADAPTER_WEIGHTS_FILE}, but the model has LoRA adapters (was the run started without lora.enabled?)`);
  tidy(() => {
    const loaded = loadSafetensors(file);
    noGrad(() => {
      for (const [name, t] of loraStateDict(model)) {
        const src = loaded.get(PEFT_KEY_PREFIX + name);
        if (src === undefined) throw new Error(`${file}: adapter tensor ${PEFT_KEY_PREFIX + name} is missing`);
        t.copy_(src);
      }
    });
  });
}
