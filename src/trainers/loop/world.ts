/**
 * This process's place among data-parallel workers, read from the launcher's environment
 * (RANK / WORLD_SIZE as torchrun sets them). Only rank 0 logs and writes checkpoints.
 */
export interface WorldInfo {
  rank: number;
  worldSize: number;
}

export function worldInfo(env: NodeJS.ProcessEnv = process.env): WorldInfo {
  const rank = Number(env['RANK'] ?? 0);
  const worldSize = Number(env['WORLD_SIZE'] ?? 1);
  if (!Number.isInteger(rank) || rank < 0) throw new Error(`RANK=${env['RANK']} must be a non-negative integer`);
  if (!Number.isInteger(worldSize) || worldSize < 1 || rank >= worldSize) throw new Error(`WORLD_SIZE=${env['WORLD_SIZE']} must be an integer above RANK=${rank}`);
  return { rank, worldSize };
}

export function isMainProcess(env: NodeJS.ProcessEnv = process.env): boolean {
  return worldInfo(env).rank === 0;
}
