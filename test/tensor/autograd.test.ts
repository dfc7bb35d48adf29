/** Autograd mechanics: explicit gradients, retained graphs, detach, grad modes, leaves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enableGrad, isGradEnabled, noGrad, ones, tensor, TorchError } from '../../src/index.js';
import { assertClose, assertTensor, scoped } from '../helpers/assert.js';

test('backward of a scalar fills .grad of the leaves', scoped(() => {
  const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
  assert.equal(x.requiresGrad, true);
  assert.equal(x.isLeaf, true);
  assert.equal(x.grad, null, 'no grad before backward');
  const y = x.mul(x).sum(); // d/dx = 2x
  assert.equal(y.requiresGrad, true);
  assert.equal(y.isLeaf, false);
  y.backward();
  assertTensor(x.grad!, [2, 4, 6], 'float64');
}));

test('backward with an explicit gradient for a non-scalar output', scoped(() => {
  const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
  const y = x.mul(3); // dy/dx = 3
  y.backward({ gradient: tensor([1, 0.5, -2], { dtype: 'float64' }) });
  assertTensor(x.grad!, [3, 1.5, -6], 'float64');
  const z = tensor([[1, 2]], { dtype: 'float64', requiresGrad: true });
  z.matmul(tensor([[1, 0, 2], [0, 1, 3]], { dtype: 'float64' })).backward({ gradient: ones([1, 3], { dtype: 'float64' }) });
  assertTensor(z.grad!, [[3, 4]], 'float64');
}));

test('backward of a non-scalar without a gradient throws', scoped(() => {
  const x = tensor([1.5, 2], { requiresGrad: true });
  assert.throws(() => x.mul(2).backward(), TorchError);
}));

test('retainGraph allows a second backward; gradients accumulate', scoped(() => {
  const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const y = x.exp().sum();
  y.backward({ retainGraph: true });
  assertClose(x.grad!, [Math.exp(1), Math.exp(2)], { atol: 1e-12 });
  y.backward();
  assertClose(x.grad!, [2 * Math.exp(1), 2 * Math.exp(2)], { atol: 1e-12 });
}));

test('a second backward without retainGraph throws and the process goes on', scoped(() => {
  const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const y = x.exp().sum();
  y.backward();
  assert.throws(() => y.backward(), TorchError);
  assertClose(x.grad!, [Math.exp(1), Math.exp(2)], { atol: 1e-12 });
}));

test('gradients accumulate across graphs until zeroGrad / grad = null', scoped(() => {
  const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  x.mul(2).sum().backward();
  x.mul(3).sum().backward();
  assertTensor(x.grad!, [5, 5], 'float64');
  x.zeroGrad();
  assert.equal(x.grad, null);
  x.mul(4).sum().backward();
  assertTensor(x.grad!, [4, 4]);
  x.grad = null;
  assert.equal(x.grad, null);
  x.grad = tensor([7, 7], { dtype: 'float64' });
  assertTensor(x.grad!, [7, 7]);
}));

test('.grad shares storage with the accumulated gradient', scoped(() => {
  const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  x.sum().backward();
  noGrad(() => x.grad!.mul_(10));
  assertTensor(x.grad!, [10, 10]);
}));

test('detach stops gradients and shares storage', scoped(() => {
  const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const d = x.detach();
  assert.equal(d.requiresGrad, false);
  const y = x.mul(d).sum(); // only the first factor is differentiated: d/dx = d
  y.backward();
  assertTensor(x.grad!, [1, 2]);
  d.fill_(5); // shared storage: writes show in x
  assertTensor(x.detach(), [5, 5], 'float64');
}));

test('noGrad produces requiresGrad = false; enableGrad re-enables; modes restore', scoped(() => {
  const x = tensor([1.5, 2], { requiresGrad: true });
  assert.equal(isGradEnabled(), true);
  const y = noGrad(() => {
    assert.equal(isGradEnabled(), false);
    const inner = enableGrad(() => {
      assert.equal(isGradEnabled(), true);
      return x.mul(2);
    });
    assert.equal(inner.requiresGrad, true);
    assert.equal(isGradEnabled(), false);
    return x.mul(2);
  });
  assert.equal(y.requiresGrad, false);
  assert.equal(isGradEnabled(), true);
  assert.throws(() =>
    noGrad(() => {
      throw new Error('boom');
    }),
  );
  assert.equal(isGradEnabled(), true, 'restored after a throw');
}));

test('requiresGrad_ toggles; ops on non-grad tensors do not require grad', scoped(() => {
  const a = tensor([1.5, 2]);
  assert.equal(a.requiresGrad, false);
  assert.equal(a.mul(2).requiresGrad, false);
  assert.equal(a.requiresGrad_(), a);
  assert.equal(a.requiresGrad, true);
  assert.equal(a.add(tensor([1, 1])).requiresGrad, true);
  a.requiresGrad_(false);
  assert.equal(a.requiresGrad, false);
  // Only floating tensors can require grad.
  assert.throws(() => tensor([1, 2]).requiresGrad_(true), TorchError);
}));

test('retainGrad keeps .grad on a non-leaf', scoped(() => {
  const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const h = x.mul(3).retainGrad();
  h.pow(2).sum().backward(); // d/dh = 2h
  assertTensor(h.grad!, [6, 12], 'float64');
  assertTensor(x.grad!, [18, 36], 'float64');
}));

test('createGraph gives differentiable gradients (second derivative)', scoped(() => {
  const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  x.pow(3).sum().backward({ createGraph: true }); // grad = 3x²
  const g = x.grad!;
  assertTensor(g, [3, 12], 'float64');
  assert.equal(g.requiresGrad, true);
  x.zeroGrad();
  g.sum().backward(); // d(3x²)/dx = 6x
  assertTensor(x.grad!, [6, 12], 'float64');
}));

test('in-place ops on a leaf that requires grad are rejected', scoped(() => {
  const x = tensor([1.5, 2], { requiresGrad: true });
  assert.throws(() => x.add_(1), TorchError);
  noGrad(() => x.add_(1)); // allowed without recording, as in optimizers
  assertTensor(x.detach(), [2.5, 3], 'float32');
}));
