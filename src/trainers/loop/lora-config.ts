/** LoRA adapters from a `lora:` config section. */
import type { LoraSection } from '../../config/index.js';
import type { Module } from '../../nn/module.js';
import { applyLora, type LoraOptions } from '../../nn/index.js';

/** The LoraOptions of a `lora:` config section. */
export function loraOptionsOf(section: LoraSection): LoraOptions {
  return {
    r: section.r,
    alpha: section.alpha,
    dropout: section.dropout,
    targetModules: section.target_modules,
    useRslora: section.use_rslora,
  };
}

/** Attaches adapters when `lora.enabled` (freezing the base); returns the options used, or null. */
export function applyLoraFromConfig(model: Module, section: LoraSection): LoraOptions | null {
  if (!section.enabled) return null;
  const options = loraOptionsOf(section);
  applyLora(model, options);
  return options;
}
