/**
 * Joining the process group a launcher described, for a run config: refuses what cannot work
 * (data parallelism switched off, a backend this build lacks) before anything loads, and checks
 * that every rank was started with the same config.
 */
import { createHash } from 'node:crypto';
import type { RunConfig } from '../config/index.js';
import { worldEnv } from './env.js';
import { DistributedError } from './faults.js';
import { currentGroup, ProcessGroup } from './process-group.js';

/**
 * The process group for this run, or null when one process was started. Every rank calls it
 * with its own config; a config that differs from rank 0's is an error on that rank.
 */
export function startDistributed(config: RunConfig, env: NodeJS.ProcessEnv = process.env): ProcessGroup | null {
  const world = worldEnv(env);
  if (world.worldSize === 1) return null;
  const d = config.distributed;
  if (!d.enabled) {
    throw new DistributedError(
      `rank ${world.rank}: started as one of ${world.worldSize} processes (${world.source}), but distributed.enabled is false; ` +
        'set distributed.enabled: true to train data-parallel, or start one process: rlhf train --config FILE',
      world.rank,
    );
  }
  if (d.strategy !== 'ddp' && d.strategy !== 'zero1') {
    throw new DistributedError(
      `rank ${world.rank}: distributed.strategy ${d.strategy} is not implemented in rlhf-ts; use ddp (every rank holds the model and optimizer) or zero1 (optimizer state sharded across ranks)`,
      world.rank,
    );
  }
  if (d.backend === 'nccl' || d.backend === 'mpi') {
    throw new DistributedError(`rank ${world.rank}: distributed.backend ${d.backend} is not built into this addon (it talks Gloo only); use gloo or auto`, world.rank);
  }
  const group = ProcessGroup.init(world, { timeoutSeconds: d.timeout });
  try {
    checkSameConfig(group, config);
  } catch (e) {
    group.destroy();
    throw e;
  }
  return group;
}

/** Fails on every rank whose resolved config is not rank 0's (different files, flags or --set). */
function checkSameConfig(group: ProcessGroup, config: RunConfig): void {
  const hash = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
  group.storeSet(`rlhf/config/${group.rank}`, hash);
  const ranks = group.rank === 0 ? Array.from({ length: group.worldSize - 1 }, (_, i) => i + 1) : [0];
  const differ = ranks.filter((r) => group.storeGet(`rlhf/config/${r}`) !== hash);
  if (differ.length > 0) {
    throw new DistributedError(
      `rank ${group.rank}: its resolved config (sha256 ${hash}) differs from rank(s) ${differ.join(', ')}'s; ` +
        'start every rank with the same --config file and --set overrides (compare them with `rlhf config validate --print`)',
      group.rank,
    );
  }
}

/**
 * Runs `train` in this process's group: the one already joined, else the one the launcher
 * described (joined here and left when `train` ends), else none.
 */
export async function withProcessGroup<T>(config: RunConfig, train: () => Promise<T>): Promise<T> {
  const own = currentGroup() === null ? startDistributed(config) : null;
  try {
    return await train();
  } finally {
    own?.destroy();
  }
}
