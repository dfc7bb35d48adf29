/**
 * One rank of the overlap part of `npm run bench -- ddp`: how much of the gradient all-reduce
 * GradientSync hides behind backward, on the benchmark model (bench/model.ts) with each rank's
 * share of the SFT bench's batch (4 x 256 tokens a rank at 2 ranks), started by bench/ddp.ts
 * with torchrun's environment:
 *
 *   node dist/bench/ddp_overlap_child.js '{"steps":20,"bucketsMb":[25,4],"batch":4,"seqLen":256}'
 *
 * Per bucket cap and step, each after a barrier: a backward with no sync (its time alone) and a
 * backward armed with GradientSync followed by its finish() (waitMs: the all-reduce time not
 * hidden), in alternating order, then a plain all-reduce of the same bytes as one tensor (its
 * time alone). Every rank prints
 * one JSON line; steps 1-2 are warm-up. The armed backward's end is stamped on the monotonic
 * clock, which all processes of a machine share, so the parent can tell which rank finished
 * backward last: only that rank's wait is all-reduce time; an earlier rank also waits for it.
 */
import { GradientSync, ProcessGroup, worldEnv } from '../src/distributed/index.js';
import { CausalLM } from '../src/models/index.js';
import { F } from '../src/nn/index.js';
import { manualSeed, randint, tidy, zeros, type Tensor } from '../src/tensor/index.js';
import { benchModelConfig } from './model.js';

/** Milliseconds per steady step (steps 3..N), one array per measured quantity. */
export interface OverlapSteps {
  bucketMb: number;
  buckets: number;
  bytes: number;
  launchedInBackward: number;
  backwardPlainMs: number[];
  backwardArmedMs: number[];
  /** When the armed backward ended, on the machine's monotonic clock (comparable across ranks). */
  backwardEndMs: number[];
  waitMs: number[];
  finishMs: number[];
  allReduceAloneMs: number[];
}

export interface OverlapChildResult {
  rank: number;
  worldSize: number;
  numParameters: number;
  /** Steps 1..warmupSteps of each run are not in the arrays. */
  warmupSteps: number;
  runs: OverlapSteps[];
}

const WARMUP_STEPS = 2;
const task = JSON.parse(process.argv[2] ?? '{}') as { steps: number; bucketsMb: number[]; batch: number; seqLen: number };
const group = ProcessGroup.init(worldEnv(), { timeoutSeconds: 300 });
const now = () => performance.now();
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

function measure(lm: CausalLM, params: Tensor[], ids: Tensor, bucketMb: number): OverlapSteps {
  const vocab = benchModelConfig().vocabSize;
  const lossOf = () => F.crossEntropy(lm.forward({ inputIds: ids }).logits.slice(1, 0, -1).reshape(-1, vocab), ids.slice(1, 1).reshape(-1));
  const clear = () => params.forEach((p) => p.zeroGrad());
  const sync = new GradientSync(group, params, { bucketCapMb: bucketMb });
  const bytes = params.reduce((n, p) => n + p.numel * 4, 0);
  const flat = zeros([bytes / 4]);
  const run: OverlapSteps = { bucketMb, buckets: 0, bytes, launchedInBackward: 0, backwardPlainMs: [], backwardArmedMs: [], backwardEndMs: [], waitMs: [], finishMs: [], allReduceAloneMs: [] };
  /** One backward from fresh gradients, after a barrier: its milliseconds and when it ended. */
  const backward = (armed: boolean) => {
    clear();
    group.barrier();
    return tidy(() => {
      const loss = lossOf();
      if (armed) sync.arm(); // as the trainer: armed before the forward of the step's last micro-batch
      const start = now();
      loss.backward();
      return { ms: now() - start, end: monotonicMs() };
    });
  };
  try {
    for (let step = 1; step <= task.steps; step++) {
      const steady = step > WARMUP_STEPS;
      // Which backward goes first alternates, so neither always finds the caches the other left.
      const plainFirst = step % 2 === 1 ? backward(false) : null;
      const armed = backward(true);
      const finishStart = now();
      const stats = sync.finish();
      const finish = now() - finishStart;
      const plain = plainFirst ?? backward(false);
      group.barrier();
      const aloneStart = now();
      group.allReduce(flat, 'sum');
      const alone = now() - aloneStart;
      if (!steady) continue;
      run.buckets = stats.buckets;
      run.bytes = stats.bytes;
      run.launchedInBackward = stats.launchedInBackward;
      run.backwardPlainMs.push(plain.ms);
      run.backwardArmedMs.push(armed.ms);
      run.backwardEndMs.push(armed.end);
      run.waitMs.push(stats.waitMs);
      run.finishMs.push(finish);
      run.allReduceAloneMs.push(alone);
    }
  } finally {
    clear();
    flat.dispose();
    sync.dispose();
  }
  return run;
}

try {
  manualSeed(0); // the same weights on every rank, as after DDP's broadcast
  const lm = CausalLM.fromConfig(benchModelConfig());
  manualSeed(1 + group.rank); // each rank its own batch
  const ids = randint(4, benchModelConfig().vocabSize, [task.batch, task.seqLen]);
  const params = lm.trainableParameters();
  const runs = task.bucketsMb.map((mb) => measure(lm, params, ids, mb));
  console.log(JSON.stringify({ rank: group.rank, worldSize: group.worldSize, numParameters: lm.numParameters(), warmupSteps: WARMUP_STEPS, runs } satisfies OverlapChildResult));
  ids.dispose();
  lm.dispose();
  group.barrier();
} finally {
  group.destroy();
}
