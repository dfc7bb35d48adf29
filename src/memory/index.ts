/**
 * The memory planner: a run's peak memory estimated before any work, from the run config and
 * the models' shapes (config.json, safetensors headers), against this machine's memory, with the
 * changes that make it fit. `rlhf plan` prints it; `rlhf env` sizes the models this machine can train.
 */
export { blockBytesPerToken, headBytesPerToken, inferenceBytesPerToken, logitsChunkBytes, loraBlockElements, stepActivations } from './activations.js';
export type { ActivationPrecision, HeadKind, MicroBatch, StepActivations } from './activations.js';
export { bytesPerParameter, LORA_ADAPTER_SHARE, modelSizeName, PARAMETER_SHARE, parameterCosts, trainableModelSize } from './costs.js';
export type { ParameterCosts, TuningMode } from './costs.js';
export { adviseFit, batchCandidates, largestFittingBatch } from './fit.js';
export type { BudgetMeasure, FitAdvice, FitChange } from './fit.js';
export { budgetOf, machineMemory, parseNvidiaSmi } from './machine.js';
export type { GpuMemory, MachineMemory } from './machine.js';
export { activationPrecision, planDevice, planMemory, referenceNeeded, rolloutRowsOf, trainBatchSize } from './plan.js';
export type { MemoryPlan, PlanItem, PlanModels, PlanMoment, PlanOptions, PlanPart } from './plan.js';
export { readPlanModels } from './plan-models.js';
export { decoderParameterCount, decoderShape, gpt2ParameterCount, gpt2Shape, loraParameterCount, loraTargets, readModelShape } from './shape.js';
export type { LayerLinear, ModelShape } from './shape.js';
// Sizes as the out-of-memory errors write and read them (training.max_memory).
export { gib, parseMemorySize } from '../trainers/loop/out-of-memory.js';
