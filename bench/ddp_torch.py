"""The PyTorch side of `npm run bench -- ddp` (bench/ddp_allreduce_child.ts is the rlhf-ts side):
the same all-reduce loop on torch.distributed's Gloo backend, one process per rank, started by
bench/ddp.ts with torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT).

    python bench/ddp_torch.py '{"sizesMiB":[1,4],"warmup":3,"iters":[160,40]}'

Per size: the first warm-up checks the sum, the rest are untimed; each timed iteration starts
after a barrier. Rank 0 prints one JSON line: seconds per iteration, by size in MiB.
"""
import json
import os
import sys
import time

import torch
import torch.distributed as dist

MIB = 1024 * 1024


def main() -> None:
    task = json.loads(sys.argv[1])
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    dist.init_process_group("gloo", init_method="env://")
    rank, world = dist.get_rank(), dist.get_world_size()
    times, dtypes = {}, {}
    for mib, iters in zip(task["sizesMiB"], task["iters"]):
        t = torch.full((round(mib * MIB / 4),), float(rank + 1), dtype=torch.float32)
        dist.all_reduce(t)
        want = world * (world + 1) / 2
        if t[0].item() != want:
            raise SystemExit(f"all-reduce of {mib} MiB: rank {rank} holds {t[0].item()}, expected {want}")
        t.zero_()  # zeros stay zeros however often they are summed
        for _ in range(1, task["warmup"]):
            dist.all_reduce(t)
        row = []
        for _ in range(iters):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(t)
            row.append(time.perf_counter() - start)
        times[json.dumps(mib)] = row
        dtypes[json.dumps(mib)] = str(t.dtype).removeprefix("torch.")
        del t
    dist.barrier()
    dist.destroy_process_group()
    if rank == 0:
        print(json.dumps({"side": "pytorch", "torch": torch.__version__, "worldSize": world, "dtypes": dtypes, "times": times}))


if __name__ == "__main__":
    main()
