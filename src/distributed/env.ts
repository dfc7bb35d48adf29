/**
 * This process's place among data-parallel workers, read from the launcher's environment:
 * torchrun's contract (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
 * MASTER_PORT, as `rlhf launch` sets it too) or, where those are absent, SLURM's srun
 * (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NTASKS_PER_NODE, SLURM_JOB_NODELIST).
 */

/** Where this process stands and where rank 0 hosts the rendezvous store. */
export interface WorldEnv {
  rank: number;
  worldSize: number;
  localRank: number;
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
  /** Which variables said so: 'torchrun' (or `rlhf launch`), 'slurm', or 'none' (one process). */
  source: 'torchrun' | 'slurm' | 'none';
}

/** torch.distributed's default rendezvous port. */
export const DEFAULT_MASTER_PORT = 29500;

function intVar(env: NodeJS.ProcessEnv, name: string, min: number): number {
  const raw = env[name] as string;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`${name}=${raw} must be an integer >= ${min} (set by the launcher: torchrun, rlhf launch or srun)`);
  return n;
}

/**
 * The first host of a SLURM node list: `node[03-05,9],gpu1` -> `node03`.
 * @example firstSlurmHost('cn[007-009]') // 'cn007'
 */
export function firstSlurmHost(nodeList: string): string {
  const m = /^([^,[]+)(?:\[([^\],-]+))?/.exec(nodeList.trim());
  if (m === null) throw new Error(`SLURM_JOB_NODELIST=${nodeList}: no host name in it; set MASTER_ADDR`);
  return `${m[1]}${m[2] ?? ''}`;
}

/** Reads the world from `env` (process.env by default); a single process when no launcher set it. */
export function worldEnv(env: NodeJS.ProcessEnv = process.env): WorldEnv {
  const port = env['MASTER_PORT'] === undefined ? DEFAULT_MASTER_PORT : intVar(env, 'MASTER_PORT', 1);
  if (port > 65535) throw new Error(`MASTER_PORT=${port} must be a TCP port (1-65535)`);
  if (env['WORLD_SIZE'] !== undefined || env['RANK'] !== undefined) {
    if (env['WORLD_SIZE'] === undefined || env['RANK'] === undefined) {
      throw new Error(`RANK=${env['RANK'] ?? '(unset)'} WORLD_SIZE=${env['WORLD_SIZE'] ?? '(unset)'}: a launcher sets both; start the run with rlhf launch or torchrun, or unset them for one process`);
    }
    const worldSize = intVar(env, 'WORLD_SIZE', 1);
    const rank = intVar(env, 'RANK', 0);
    if (rank >= worldSize) throw new Error(`RANK=${rank} must be below WORLD_SIZE=${worldSize}`);
    const localWorldSize = env['LOCAL_WORLD_SIZE'] === undefined ? worldSize : intVar(env, 'LOCAL_WORLD_SIZE', 1);
    const localRank = env['LOCAL_RANK'] === undefined ? rank % localWorldSize : intVar(env, 'LOCAL_RANK', 0);
    const masterAddr = env['MASTER_ADDR'] ?? '127.0.0.1';
    return { rank, worldSize, localRank, localWorldSize, masterAddr, masterPort: port, source: worldSize > 1 ? 'torchrun' : 'none' };
  }
  if (env['SLURM_PROCID'] !== undefined && env['SLURM_NTASKS'] !== undefined) {
    const worldSize = intVar(env, 'SLURM_NTASKS', 1);
    const rank = intVar(env, 'SLURM_PROCID', 0);
    // SLURM_NTASKS_PER_NODE may read "4" or "4(x2)"; its leading count is this node's.
    const perNode = /^\d+/.exec(env['SLURM_NTASKS_PER_NODE'] ?? env['SLURM_TASKS_PER_NODE'] ?? '')?.[0];
    const localWorldSize = perNode === undefined ? worldSize : Number(perNode);
    const localRank = env['SLURM_LOCALID'] === undefined ? rank % localWorldSize : intVar(env, 'SLURM_LOCALID', 0);
    const masterAddr = env['MASTER_ADDR'] ?? (env['SLURM_JOB_NODELIST'] === undefined ? '127.0.0.1' : firstSlurmHost(env['SLURM_JOB_NODELIST']));
    return { rank, worldSize, localRank, localWorldSize, masterAddr, masterPort: port, source: worldSize > 1 ? 'slurm' : 'none' };
  }
  return { rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1, masterAddr: '127.0.0.1', masterPort: port, source: 'none' };
}
