/** Native memory management: tidy, keep, dispose and memory(). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispose, keep, memory, ones, randn, tensor, tidy, zeros, type Tensor } from '../../src/index.js';

const live = (): number => memory().numTensors;

test('memory() counts live handles and bytes', () => {
  const n0 = live();
  const b0 = memory().numBytes;
  const x = zeros([256], { dtype: 'float32' });
  assert.equal(live(), n0 + 1);
  assert.ok(memory().numBytes >= b0 + 1024, 'a 1 KiB storage is counted');
  const v = x.view(16, 16); // a second handle, same storage
  assert.equal(live(), n0 + 2);
  assert.ok(memory().numBytes < b0 + 2048, 'views share storage bytes');
  v.dispose();
  x.dispose();
  assert.equal(live(), n0);
  assert.equal(memory().numBytes, b0);
});

test('tidy frees temporaries and returns the result alive', () => {
  const n0 = live();
  const out = tidy(() => {
    const a = randn([4, 4]);
    const b = a.matmul(a).relu().add(1);
    return b.sum();
  });
  assert.equal(live(), n0 + 1, 'only the result survives');
  assert.equal(out.isDisposed, false);
  assert.ok(Number.isFinite(out.item()));
  out.dispose();
  assert.equal(live(), n0);
});

test('tidy returns tensors found in arrays, objects and Maps', () => {
  const n0 = live();
  const r = tidy(() => {
    const a = ones([2]);
    const b = a.mul(2);
    const c = a.mul(3);
    a.mul(4); // temporary
    return { pair: [b, c] as [Tensor, Tensor], map: new Map([['d', b.add(c)]]), n: 5 };
  });
  assert.equal(live(), n0 + 3);
  assert.deepEqual(r.pair[0].toArray(), [2, 2]);
  assert.deepEqual(r.map.get('d')!.toArray(), [5, 5]);
  dispose(r);
  assert.equal(live(), n0);
});

test('keep() lets a tensor outlive its scope', () => {
  const n0 = live();
  let kept: Tensor | undefined;
  tidy(() => {
    kept = keep(ones([3]).mul(7));
    ones([3]); // temporary
  });
  assert.equal(live(), n0 + 1);
  assert.deepEqual(kept!.toArray(), [7, 7, 7]);
  kept!.dispose();
  assert.equal(live(), n0);
});

test('nested tidy: inner results move to the outer scope', () => {
  const n0 = live();
  const outer = tidy(() => {
    const inner = tidy(() => {
      const t = ones([2]).add(1);
      ones([5]); // inner temporary
      return t;
    });
    assert.equal(inner.isDisposed, false);
    assert.equal(live(), n0 + 1, 'inner temporaries freed at the inner exit');
    const tmp = inner.mul(10);
    return tmp.add(inner); // inner itself is an outer temporary
  });
  assert.equal(live(), n0 + 1);
  assert.deepEqual(outer.toArray(), [22, 22]);
  outer.dispose();
  assert.equal(live(), n0);
});

test('tidy rethrows and frees everything made inside on an exception', () => {
  const n0 = live();
  let inside: Tensor | undefined;
  assert.throws(
    () =>
      tidy(() => {
        inside = ones([4]).mul(2);
        tidy(() => ones([4]));
        throw new RangeError('boom');
      }),
    RangeError,
  );
  assert.equal(live(), n0);
  assert.equal(inside!.isDisposed, true);
});

test('tidy keeps keep()-ed tensors even when the scope throws', () => {
  const n0 = live();
  let kept: Tensor | undefined;
  assert.throws(() =>
    tidy(() => {
      kept = keep(ones([2]));
      throw new Error('x');
    }),
  );
  assert.equal(live(), n0 + 1);
  kept!.dispose();
  assert.equal(live(), n0);
});

test('tidy rejects an async function', () => {
  assert.throws(() => tidy((async () => ones([1])) as unknown as () => Tensor), TypeError);
});

test('dispose is idempotent and the free dispose() walks containers', () => {
  const n0 = live();
  const x = tensor([1, 2]);
  x.dispose();
  x.dispose();
  assert.equal(x.isDisposed, true);
  assert.equal(live(), n0);
  const parts = [zeros([1]), { a: zeros([2]), b: [zeros([3])] }];
  assert.equal(live(), n0 + 3);
  dispose(parts);
  dispose(parts);
  assert.equal(live(), n0);
});

test('tensors returned from tidy are not disposed twice when later disposed inside another tidy', () => {
  const n0 = live();
  const a = tidy(() => ones([2]).mul(2));
  tidy(() => {
    a.dispose();
    ones([1]);
  });
  assert.equal(a.isDisposed, true);
  assert.equal(live(), n0);
});

test('.grad reads and backward do not leak handles', () => {
  const n0 = live();
  tidy(() => {
    const w = randn([3, 3]).requiresGrad_(true);
    for (let i = 0; i < 5; i++) {
      w.matmul(w).sum().backward();
      void w.grad;
    }
  });
  assert.equal(live(), n0);
});

test('a long loop of tidy steps keeps the handle count flat', () => {
  const n0 = live();
  const acc = keep(zeros([8]));
  for (let i = 0; i < 200; i++) {
    tidy(() => {
      acc.add_(randn([8]).mul(0.01).exp().sub(1));
    });
  }
  assert.equal(live(), n0 + 1);
  acc.dispose();
  assert.equal(live(), n0);
});
