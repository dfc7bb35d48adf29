export { worldEnv, firstSlurmHost, DEFAULT_MASTER_PORT, type WorldEnv } from './env.js';
export { ProcessGroup, Work, currentGroup, glooReason, type ProcessGroupOptions, type ReduceOp } from './process-group.js';
export { GradientSync, type GradientSyncOptions, type GradSyncStats } from './grad-sync.js';
export { DistributedError, describeFault } from './faults.js';
export { startDistributed, withProcessGroup } from './setup.js';
export { broadcastParameters } from './parameters.js';
export { ZeroAdamW } from './zero1.js';
