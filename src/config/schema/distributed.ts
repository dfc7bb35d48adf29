/** `distributed:` — multi-process data parallelism. */
import { z } from 'zod';

export const DistributedConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Run one process per device and average gradients.'),
    strategy: z.enum(['ddp', 'fsdp', 'deepspeed']).default('ddp').describe('How parameters and gradients are shared across processes.'),
    backend: z.enum(['gloo', 'nccl', 'mpi']).default('gloo').describe('Collective-communication backend (gloo for CPU, nccl for CUDA).'),
  })
  .describe('Multi-process training.');

export type DistributedConfig = z.infer<typeof DistributedConfig>;
