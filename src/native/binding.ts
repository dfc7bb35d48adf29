/**
 * Loads the libtorch addon and describes its raw functions. Nothing outside src/tensor should
 * need this: the Tensor API is the public face. A missing or broken build becomes one error
 * that says how to install libtorch and rebuild, never a bare dlopen message.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An opaque reference to one native tensor. */
export type NativeHandle = { readonly __nativeTensor: unique symbol };
type H = NativeHandle;
type Operand = H | number | boolean;
type OptH = H | null;

/** One file's part of a readSafetensors call: which tensors to make from which bytes. */
export interface FileReadRequest {
  path: string;
  /** Byte position where the data section starts; tensor ranges count from here. */
  dataStart: number;
  /** dtype: the file's dtype code; target: the tensor's; [begin, end): bytes within the data section. */
  tensors: { dtype: number; target: number; shape: number[]; begin: number; end: number }[];
}

/** The raw addon surface; argument order mirrors native/src/*.cc. */
export interface NativeBinding {
  setErrorClass(cls: new (message: string, op: string, inputs: string) => Error): void;
  dispose(h: H): void;
  isAlive(h: H): boolean;
  /** Counts a tensor that joined the GC safety net towards V8's external memory. */
  netted(h: H): void;
  memory(): { numTensors: number; numBytes: number; v8ExternalBytes: number };

  // creation.cc
  fromTypedArray(data: ArrayBufferView, shape: number[], dtype: number): H;
  shareTypedArray(data: ArrayBufferView, shape: number[], dtype: number): H;
  toArrayBuffer(h: H): ArrayBuffer;
  item(h: H): number | boolean;
  scalarTensor(value: number | boolean, dtype: number | null, device: string | null): H;
  zeros(shape: number[], dtype: number | null, device: string | null): H;
  ones(shape: number[], dtype: number | null, device: string | null): H;
  empty(shape: number[], dtype: number | null, device: string | null): H;
  full(shape: number[], value: number | boolean, dtype: number | null, device: string | null): H;
  arange(start: number, end: number, step: number, dtype: number | null, device: string | null): H;
  linspace(start: number, end: number, steps: number, dtype: number | null, device: string | null): H;
  eye(n: number, m: number, dtype: number | null, device: string | null): H;
  rand(shape: number[], dtype: number | null, device: string | null): H;
  randn(shape: number[], dtype: number | null, device: string | null): H;
  randint(low: number, high: number, shape: number[], dtype: number | null, device: string | null): H;
  zerosLike(h: H, dtype: number | null): H;
  onesLike(h: H, dtype: number | null): H;
  emptyLike(h: H, dtype: number | null): H;
  fullLike(h: H, value: number | boolean, dtype: number | null): H;
  randLike(h: H, dtype: number | null): H;
  randnLike(h: H, dtype: number | null): H;
  shape(h: H): number[];
  strides(h: H): number[];
  dtype(h: H): number;
  device(h: H): string;
  isContiguous(h: H): boolean;
  dataPtr(h: H): number;
  toDtype(h: H, dtype: number): H;
  toDevice(h: H, device: string): H;
  clone(h: H): H;
  contiguous(h: H): H;
  copy_(h: H, src: H): void;
  alias(h: H): H;
  setData(h: H, src: H): void;

  // pointwise.cc
  neg(h: H): H;
  exp(h: H): H;
  log(h: H): H;
  log1p(h: H): H;
  expm1(h: H): H;
  sqrt(h: H): H;
  rsqrt(h: H): H;
  abs(h: H): H;
  sign(h: H): H;
  sin(h: H): H;
  cos(h: H): H;
  reciprocal(h: H): H;
  square(h: H): H;
  floor(h: H): H;
  ceil(h: H): H;
  round(h: H): H;
  logicalNot(h: H): H;
  isnan(h: H): H;
  isinf(h: H): H;
  isfinite(h: H): H;
  neg_(h: H): void;
  exp_(h: H): void;
  log_(h: H): void;
  sqrt_(h: H): void;
  abs_(h: H): void;
  zero_(h: H): void;
  add(a: H, b: Operand, alpha: number | null): H;
  sub(a: H, b: Operand, alpha: number | null): H;
  rsub(a: H, s: number): H;
  rdiv(a: H, s: number): H;
  mul(a: H, b: Operand): H;
  div(a: H, b: Operand): H;
  eq(a: H, b: Operand): H;
  ne(a: H, b: Operand): H;
  lt(a: H, b: Operand): H;
  le(a: H, b: Operand): H;
  gt(a: H, b: Operand): H;
  ge(a: H, b: Operand): H;
  pow(a: H | number, b: Operand): H;
  remainder(a: H, b: Operand): H;
  floorDivide(a: H, b: Operand): H;
  nanToNum(a: H, nan: number | null, posinf: number | null, neginf: number | null): H;
  maximum(a: H, b: H): H;
  minimum(a: H, b: H): H;
  logicalAnd(a: H, b: H): H;
  logicalOr(a: H, b: H): H;
  logicalXor(a: H, b: H): H;
  allclose(a: H, b: H, rtol: number, atol: number, equalNan: boolean): boolean;
  equal(a: H, b: H): boolean;
  clamp(a: H, min: number | null, max: number | null): H;
  clamp_(a: H, min: number | null, max: number | null): void;
  where(cond: H, a: Operand, b: Operand): H;
  lerp(a: H, b: H, w: Operand): H;
  add_(a: H, b: Operand, alpha: number | null): void;
  sub_(a: H, b: Operand, alpha: number | null): void;
  mul_(a: H, b: Operand): void;
  div_(a: H, b: Operand): void;
  pow_(a: H, b: Operand): void;
  lerp_(a: H, b: H, w: Operand): void;
  addcmul_(a: H, t1: H, t2: H, value: number): void;
  addcdiv_(a: H, t1: H, t2: H, value: number): void;
  maskedFill_(a: H, mask: H, value: number | boolean): void;
  fill_(a: H, value: number | boolean): void;
  uniform_(a: H, low: number, high: number): void;
  normal_(a: H, mean: number, std: number): void;

  // shape.cc
  reshape(h: H, shape: number[]): H;
  view(h: H, shape: number[]): H;
  transpose(h: H, d0: number, d1: number): H;
  permute(h: H, dims: number[]): H;
  squeeze(h: H, dim: number | null): H;
  unsqueeze(h: H, dim: number): H;
  expand(h: H, shape: number[]): H;
  flatten(h: H, start: number, end: number): H;
  narrow(h: H, dim: number, start: number, length: number): H;
  slice(h: H, dim: number, start: number | null, end: number | null, step: number): H;
  select(h: H, dim: number, index: number): H;
  cat(hs: H[], dim: number): H;
  stack(hs: H[], dim: number): H;
  split(h: H, sizes: number | number[], dim: number): H[];
  chunk(h: H, chunks: number, dim: number): H[];
  unbind(h: H, dim: number): H[];
  repeat(h: H, repeats: number[]): H;
  repeatInterleave(h: H, repeats: number, dim: number | null): H;
  flip(h: H, dims: number[]): H;
  roll(h: H, shifts: number[], dims: number[]): H;

  // indexing.cc
  gather(h: H, dim: number, index: H): H;
  scatter(h: H, dim: number, index: H, src: Operand): H;
  scatterAdd(h: H, dim: number, index: H, src: H): H;
  indexSelect(h: H, dim: number, index: H): H;
  index(h: H, indices: OptH[]): H;
  maskedFill(h: H, mask: H, value: Operand): H;
  maskedSelect(h: H, mask: H): H;
  nonzero(h: H): H;
  topk(h: H, k: number, dim: number, largest: boolean, sorted: boolean): [H, H];
  sort(h: H, dim: number, descending: boolean, stable: boolean): [H, H];
  argsort(h: H, dim: number, descending: boolean, stable: boolean): H;
  multinomial(h: H, n: number, replacement: boolean): H;
  oneHot(h: H, numClasses: number): H;
  triu(h: H, diagonal: number): H;
  tril(h: H, diagonal: number): H;

  // reduction.cc
  sum(h: H, dims: number[] | null, keepdim: boolean, dtype: number | null): H;
  mean(h: H, dims: number[] | null, keepdim: boolean, dtype: number | null): H;
  prod(h: H, dim: number | null, keepdim: boolean, dtype: number | null): H;
  var(h: H, dims: number[] | null, unbiased: boolean, keepdim: boolean): H;
  std(h: H, dims: number[] | null, unbiased: boolean, keepdim: boolean): H;
  amax(h: H, dims: number[], keepdim: boolean): H;
  amin(h: H, dims: number[], keepdim: boolean): H;
  maxAll(h: H): H;
  minAll(h: H): H;
  maxDim(h: H, dim: number, keepdim: boolean): [H, H];
  minDim(h: H, dim: number, keepdim: boolean): [H, H];
  argmax(h: H, dim: number | null, keepdim: boolean): H;
  argmin(h: H, dim: number | null, keepdim: boolean): H;
  logsumexp(h: H, dims: number[], keepdim: boolean): H;
  cumsum(h: H, dim: number, dtype: number | null): H;
  cumprod(h: H, dim: number, dtype: number | null): H;
  any(h: H, dims: number[] | null, keepdim: boolean): H;
  all(h: H, dims: number[] | null, keepdim: boolean): H;
  norm(h: H, p: number, dims: number[] | null, keepdim: boolean): H;

  // nn.cc
  matmul(a: H, b: H): H;
  mm(a: H, b: H): H;
  bmm(a: H, b: H): H;
  einsum(equation: string, hs: H[]): H;
  linear(x: H, w: H, b: OptH): H;
  embedding(weight: H, indices: H, paddingIdx: number | null): H;
  layerNorm(x: H, shape: number[], w: OptH, b: OptH, eps: number): H;
  rmsNorm(x: H, w: OptH, eps: number): H;
  siluMul(gate: H, up: H): H;
  siluMulLinear(gate: H, up: H, weight: H, bias: OptH): H;
  linearCrossEntropy(hidden: H, weight: H, labels: H, ignoreIndex: number, labelSmoothing: number, sum: boolean, chunkRows: number): H;
  linearTokenStats(hidden: H, weight: H, labels: H, chunkRows: number): H[];
  logitsTokenStats(logits: H, labels: H, chunkRows: number): H[];
  applyRotary(x: H, cos: H, sin: H): H;
  sdpaPacked(q: H, k: H, v: H, starts: H, scale: number | null): H;
  packedAttentionAvailable(): boolean;
  dropout(x: H, p: number, train: boolean): H;
  relu(x: H): H;
  gelu(x: H, approximate: 'none' | 'tanh'): H;
  silu(x: H): H;
  sigmoid(x: H): H;
  tanh(x: H): H;
  softplus(x: H, beta: number, threshold: number): H;
  logsigmoid(x: H): H;
  softmax(x: H, dim: number, dtype: number | null): H;
  logSoftmax(x: H, dim: number, dtype: number | null): H;
  sdpa(q: H, k: H, v: H, mask: OptH, dropout: number, causal: boolean, scale: number | null, forceMath: boolean, maskIsCausal: boolean, enableGqa: boolean): H;
  hasFusedAttention(): boolean;
  crossEntropy(logits: H, target: H, weight: OptH, reduction: number, ignoreIndex: number, smoothing: number): H;
  nllLoss(logp: H, target: H, weight: OptH, reduction: number, ignoreIndex: number): H;
  mseLoss(a: H, b: H, reduction: number): H;
  bceWithLogits(x: H, target: H, weight: OptH, posWeight: OptH, reduction: number): H;

  // autograd.cc
  requiresGrad(h: H): boolean;
  setRequiresGrad(h: H, value: boolean): void;
  isLeaf(h: H): boolean;
  grad(h: H): H | null;
  setGrad(h: H, grad: OptH): void;
  retainGrad(h: H): void;
  detach(h: H): H;
  backward(h: H, gradient: OptH, retainGraph: boolean, createGraph: boolean): void;
  isGradEnabled(): boolean;
  setGradEnabled(enabled: boolean): void;

  // runtime.cc
  manualSeed(seed: number): void;
  getRngState(device: string | null): H;
  setRngState(state: H, device: string | null): void;
  getNumThreads(): number;
  setDecodeKernels(on: boolean): boolean;
  decodeKernelSupport(): { float32: boolean; bfloat16: boolean };
  setNumThreads(n: number): void;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(): void;
  autocastEnter(device: 'cpu' | 'cuda', dtype: number): [boolean, number];
  autocastExit(device: 'cpu' | 'cuda', prevEnabled: boolean, prevDtype: number): void;
  buildInfo(): { torchVersion: string; config: string; cuda: boolean; fusedAttention: boolean };

  // bench.cc
  benchMatmul(a: H, b: H, iters: number): number;
  profileStart(path: string): void;
  profileStop(): void;
  benchAdd(a: H, b: H, iters: number): number;

  // safetensors_io.cc
  /**
   * Tensors from files' bytes: views of a private file mapping where `useMmap` and the dtype and
   * alignment allow, else read (and converted) into new memory. Throws an Error carrying
   * `fileIndex` and `tensorIndex` (-1: the whole file) on failure.
   */
  readSafetensors(files: FileReadRequest[], useMmap: boolean): { tensors: H[][]; bytesRead: number; tensorsMapped: number };
  writeTensorBytes(t: H, fd: number): number;

  // cpu_memory.cc
  /** Bytes of live CPU tensor storage, and the most since resetCpuMemoryPeak (the addon's counting allocator). */
  cpuMemory(): { allocated: number; peak: number };
  resetCpuMemoryPeak(): void;

  // distributed.cc
  /** Rank 0 hosts the TCPStore at host:port; every rank joins it and the Gloo group over it. iface: '' or a NIC name. */
  initProcessGroup(rank: number, worldSize: number, host: string, port: number, timeoutMs: number, iface: string): void;
  destroyProcessGroup(): void;
  storeSet(key: string, value: string): void;
  /** Waits up to timeoutMs (null: the group's timeout) for the key. */
  storeGet(key: string, timeoutMs: number | null): string;
  storeAdd(key: string, amount: number): number;
  storeCheck(keys: string[]): boolean;
  /** Collectives: with async true they return a work id for waitWork, else they wait and return undefined. */
  allReduce(tensors: H[], op: 'sum' | 'max' | 'min' | 'product', async: boolean): number | undefined;
  broadcast(tensors: H[], root: number, async: boolean): number | undefined;
  allGather(outputs: H[], input: H, async: boolean): number | undefined;
  barrier(async: boolean): number | undefined;
  waitWork(id: number): void;
  workCompleted(id: number): boolean;
  gradSyncCreate(params: H[], bucketCapBytes: number, firstBucketCapBytes: number, findUnused: boolean): number;
  gradSyncArm(id: number): void;
  gradSyncFinish(id: number): { ok: boolean; unused: number[]; buckets?: number; bytes?: number; launchedInBackward?: number; waitMs?: number; late?: number };
  gradSyncDestroy(id: number): void;

  // optim.cc
  /** One Adam/AdamW update in place (AMSGrad with maxExpAvgSq); `step` counts this update. */
  adamStep_(param: H, grad: H, expAvg: H, expAvgSq: H, maxExpAvgSq: OptH, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number): void;
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');

function loadBinding(): NativeBinding {
  // RLHF_TORCH_ADDON selects one build (e.g. against another libtorch) and nothing else.
  const override = process.env.RLHF_TORCH_ADDON;
  const candidates = override
    ? [override]
    : [join(repoRoot, 'build', 'Release', 'rlhf_torch.node'), join(repoRoot, 'build', 'rlhf_torch.node')];
  const path = candidates.find((p) => existsSync(p));
  const howToFix =
    'Install libtorch and build the addon: `bash scripts/setup.sh` (Debian/Ubuntu: apt-get install libtorch-dev ' +
    'libopenblas0-openmp), or point LIBTORCH at an official libtorch download and run `npm run build:native`.';
  if (path === undefined) {
    throw new Error(`rlhf-ts: the libtorch addon is not built (looked for ${candidates.join(', ')}). ${howToFix}`);
  }
  try {
    return createRequire(import.meta.url)(path) as NativeBinding;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(`rlhf-ts: the libtorch addon at ${path} failed to load (${reason}). ${howToFix}`);
  }
}

export const native: NativeBinding = loadBinding();
