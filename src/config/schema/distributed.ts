/** `distributed:` — multi-process data parallelism on torch.distributed's engine (c10d). */
import { z } from 'zod';

/**
 * ddp: every rank holds the whole model and optimizer, gradients are summed across ranks.
 * zero1: optimizer state sharded across ranks (ZeroRedundancyOptimizer). fsdp and deepspeed
 * are accepted for configs written for the Python framework, and refused (see ../unsupported.ts).
 */
export const DISTRIBUTED_STRATEGIES = ['ddp', 'zero1', 'fsdp', 'deepspeed'] as const;
/** auto: Gloo on CPU, NCCL on CUDA. mpi is accepted and refused. */
export const DISTRIBUTED_BACKENDS = ['auto', 'gloo', 'nccl', 'mpi'] as const;

export const DistributedConfig = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Train data-parallel when a launcher (rlhf launch, torchrun, srun) starts several processes; false refuses such a launch. One process trains alone either way.'),
    strategy: z.enum(DISTRIBUTED_STRATEGIES).default('ddp').describe('How parameters, gradients and optimizer state are shared across processes.'),
    backend: z.enum(DISTRIBUTED_BACKENDS).default('auto').describe('Collective-communication backend: auto (gloo on CPU, nccl on CUDA), gloo or nccl.'),
    timeout: z.number().positive().default(1800).describe('Seconds a collective (or the start-up rendezvous) waits for the other ranks before the run stops with an error naming them.'),
    bucket_cap_mb: z.number().positive().default(25).describe("Gradient bucket size in MiB: each full bucket is all-reduced while backward goes on (DDP's bucket_cap_mb)."),
    find_unused_parameters: z
      .boolean()
      .default(false)
      .describe('Allow trainable parameters that get no gradient on some rank (they contribute zeros) instead of stopping with their names.'),
  })
  .describe('Multi-process training.');

export type DistributedConfig = z.infer<typeof DistributedConfig>;
