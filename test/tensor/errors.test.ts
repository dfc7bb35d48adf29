/** Errors: libtorch failures surface as TorchError, bad JS arguments as TypeError; the process survives. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, cuda, einsum, F, memory, stack, tensor, tidy, TorchError, zeros, type Tensor } from '../../src/index.js';
import { assertTensor, scoped } from '../helpers/assert.js';

/** Runs fn, which must throw; returns the error. */
function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Error, 'thrown value is an Error');
    return err;
  }
  assert.fail('expected an error');
}

/** After an error the library must still work. */
function stillWorks(): void {
  assertTensor(tensor([1, 2]).float().mul(2), [2, 4], 'float32');
}

test('matmul shape mismatch throws TorchError with op and shapes', scoped(() => {
  const err = caught(() => zeros([2, 3]).matmul(zeros([4, 5])));
  assert.ok(err instanceof TorchError, `got ${err.name}: ${err.message}`);
  assert.equal(err.name, 'TorchError');
  assert.equal(err.op, 'matmul');
  assert.match(err.message, /^matmul: /);
  assert.match(err.message, /2x3/);
  assert.match(err.message, /4x5/);
  assert.match(err.inputs, /\[2, 3\].*\[4, 5\]/);
  assert.ok(err.torchMessage.length > 0);
  assert.doesNotMatch(err.message, /Exception raised from|frame #/, 'no C++ backtrace');
  stillWorks();
}));

test('bmm / mm / linear / cat shape errors are TorchErrors naming the op', scoped(() => {
  const cases: [string, () => unknown][] = [
    ['bmm', () => zeros([2, 2, 3]).bmm(zeros([2, 2, 3]))],
    ['mm', () => zeros([2, 3]).mm(zeros([2, 3]))],
    ['linear', () => F.linear(zeros([2, 3]), zeros([4, 5]))],
    ['cat', () => cat([zeros([2, 3]), zeros([2, 4])])],
    ['reshape', () => zeros([2, 3]).reshape(4, 2)],
    ['add', () => zeros([2, 3]).add(zeros([4]))],
  ];
  for (const [op, fn] of cases) {
    const err = caught(fn);
    assert.ok(err instanceof TorchError, `${op}: got ${err.name}: ${err.message}`);
    assert.equal((err as TorchError).op, op);
  }
  stillWorks();
}));

test('out-of-range indices in gather / indexSelect / select throw TorchError', scoped(() => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]).float();
  const g = caught(() => x.gather(1, tensor([[0, 3]])));
  assert.ok(g instanceof TorchError, `gather: ${g.name}: ${g.message}`);
  assert.equal(g.op, 'gather');
  const s = caught(() => x.indexSelect(0, tensor([0, 2])));
  assert.ok(s instanceof TorchError, `indexSelect: ${s.name}: ${s.message}`);
  assert.equal(s.op, 'indexSelect');
  const n = caught(() => x.indexSelect(1, tensor([-5])));
  assert.ok(n instanceof TorchError);
  assert.ok(caught(() => x.select(0, 2)) instanceof TorchError);
  assert.ok(caught(() => x.narrow(1, 2, 2)) instanceof TorchError);
  assert.ok(caught(() => F.embedding(tensor([5]), zeros([3, 2]))) instanceof TorchError);
  assert.ok(caught(() => x.transpose(0, 2)) instanceof TorchError, 'dim out of range');
  stillWorks();
}));

test('dtype mismatches throw TorchError', scoped(() => {
  const err = caught(() => tensor([[1, 2]]).matmul(tensor([[1.5], [2.5]])));
  assert.ok(err instanceof TorchError, `got ${err.name}: ${err.message}`);
  assert.equal(err.op, 'matmul');
  assert.match(err.inputs, /int64|Long|long/i);
  assert.ok(caught(() => tensor([1, 2]).gather(0, tensor([0.5]))) instanceof TorchError, 'float index');
  assert.ok(caught(() => F.crossEntropy(zeros([2, 3]), tensor([0.5, 1.5]))) instanceof TorchError, 'float targets of wrong shape');
  assert.ok(caught(() => tensor([1, 2]).div_(2)) instanceof TorchError, 'int64 in-place true division');
  assert.ok(caught(() => tensor([1, 2]).softmax(0)) instanceof TorchError, 'softmax of int64');
  stillWorks();
}));

test('a string where a tensor or a number is expected throws TypeError', scoped(() => {
  const x = zeros([2]);
  const bad = 'oops' as unknown as Tensor;
  const cases: [string, () => unknown][] = [
    ['add(string)', () => x.add(bad)],
    ['mul(string)', () => x.mul(bad)],
    ['matmul(string)', () => x.matmul(bad)],
    ['gather(string index)', () => x.gather(0, bad)],
    ['clamp(string)', () => x.clamp('1' as unknown as number)],
    ['reshape([string])', () => x.reshape(['2' as unknown as number])],
    ['cat([string])', () => cat([x, bad])],
    ['zeros([string])', () => zeros(['a' as unknown as number])],
    ['F.linear(string)', () => F.linear(x, bad)],
    ['softmax(string dim)', () => x.softmax('0' as unknown as number)],
  ];
  for (const [what, fn] of cases) {
    const err = caught(fn);
    assert.ok(err instanceof TypeError, `${what}: expected TypeError, got ${err.name}: ${err.message}`);
  }
  stillWorks();
}));

test('a fractional number where an integer is expected throws TypeError', scoped(() => {
  const x = zeros([2, 3]);
  assert.throws(() => x.select(0, 0.5), TypeError);
  assert.throws(() => x.reshape(3, 2.5), TypeError);
  stillWorks();
}));

test('using a disposed tensor throws an Error saying it was disposed', scoped(() => {
  const x = tensor([1, 2]).float();
  x.dispose();
  assert.equal(x.isDisposed, true);
  for (const fn of [() => x.add(1), () => tensor([1]).float().add(x), () => x.toArray(), () => x.shape, () => x.sum()]) {
    const err = caught(fn);
    assert.match(err.message, /disposed/);
  }
  assert.equal(String(x), 'Tensor(disposed)');
  const escaped = tidy(() => zeros([2]));
  escaped.dispose();
  assert.throws(() => escaped.sum(), /disposed/);
  stillWorks();
}));

test('a disposed tensor inside a tensor list (cat / stack / einsum) is reported as disposed', scoped(() => {
  const x = tensor([1, 2]).float();
  x.dispose();
  const y = tensor([3, 4]).float();
  for (const [what, fn] of [['cat', () => cat([y, x])], ['stack', () => stack([y, x])], ['einsum', () => einsum('i,i->', y, x)]] as const) {
    const err = caught(fn);
    assert.match(err.message, /disposed/, `${what}: ${err.name}: ${err.message}`);
  }
  stillWorks();
}));

test('a non-tensor inside a tensor list gives a TypeError that says a tensor was expected', scoped(() => {
  const err = caught(() => cat([tensor([1]), 'oops' as unknown as Tensor]));
  assert.ok(err instanceof TypeError);
  assert.match(err.message, /tensor/, `message: ${err.message}`);
}));

test('errors inside tidy free the scope and leave the process usable', () => {
  const before = memory().numTensors;
  for (let i = 0; i < 20; i++) {
    assert.throws(
      () =>
        tidy(() => {
          const a = zeros([8, 8]);
          a.mul(2).matmul(zeros([3, 3]));
        }),
      TorchError,
    );
  }
  assert.equal(memory().numTensors, before);
  stillWorks();
});

test('item() of a many-element tensor throws', scoped(() => {
  assert.throws(() => zeros([3]).item(), /one element/);
  stillWorks();
}));

test('asking for CUDA from a CPU-only libtorch throws TorchError, not an abort', { skip: cuda.isAvailable() }, scoped(() => {
  const err = caught(() => zeros([2]).to('cuda'));
  assert.equal(err.name, 'TorchError');
  assert.equal((err as TorchError).op, 'toDevice');
  assert.match(err.message, /cuda/i);
  const made = caught(() => zeros([2], { device: 'cuda:0' }));
  assert.equal(made.name, 'TorchError');
  stillWorks();
}));
