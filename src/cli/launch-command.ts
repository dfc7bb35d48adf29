/**
 * `rlhf launch --nproc-per-node N [...] -- <command>`: torchrun for rlhf. Starts N workers of
 * `rlhf <command>` (or, with --raw, of any executable) with RANK, WORLD_SIZE, MASTER_ADDR, ...
 */
import { LAUNCH_DEFAULTS, launch, parseLaunchArgs } from '../distributed/launch.js';

export const LAUNCH_USAGE = `rlhf launch --nproc-per-node N [--nnodes M --node-rank K --master-addr HOST --master-port P] [--threads-per-proc T] [--raw] -- COMMAND [ARGS...]

  --nproc-per-node N    workers on this node (required)
  --nnodes M            nodes in the job, each running its own rlhf launch (default 1)
  --node-rank K         this node's index, 0..M-1 (default 0)
  --master-addr HOST    address of node 0 (default ${LAUNCH_DEFAULTS.masterAddr}; required when M > 1)
  --master-port P       port of the rendezvous store on node 0 (default ${LAUNCH_DEFAULTS.masterPort})
  --threads-per-proc T  OMP_NUM_THREADS and RLHF_NUM_THREADS of each worker (default CPUs / N, at least 1)
  --raw, --no-python    COMMAND is an executable, not an rlhf command (torchrun's --no-python)

Each worker gets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR and
MASTER_PORT; its output lines start with [rankR]: . If one worker fails, the others are stopped
and the launcher exits non-zero with that worker's last lines. torchrun's underscore spellings
(--nproc_per_node) work too.

example: rlhf launch --nproc-per-node 2 -- train --config run.yaml`;

/** Parses the arguments and runs the workers; resolves to the launcher's exit code. */
export function runLaunch(args: string[]): Promise<number> {
  return launch(parseLaunchArgs(args));
}
