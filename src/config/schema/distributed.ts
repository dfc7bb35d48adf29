/** `distributed:` — multi-process data parallelism. */
import { z } from 'zod';

/** No implementation reads these yet: distributed.enabled is refused (see ../unsupported.ts). */
export const DISTRIBUTED_STRATEGIES = ['ddp', 'fsdp', 'deepspeed'] as const;
export const DISTRIBUTED_BACKENDS = ['gloo', 'nccl', 'mpi'] as const;

export const DistributedConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Run one process per device and average gradients.'),
    strategy: z.enum(DISTRIBUTED_STRATEGIES).default('ddp').describe('How parameters and gradients are shared across processes.'),
    backend: z.enum(DISTRIBUTED_BACKENDS).default('gloo').describe('Collective-communication backend (gloo for CPU, nccl for CUDA).'),
  })
  .describe('Multi-process training.');

export type DistributedConfig = z.infer<typeof DistributedConfig>;
