/**
 * The device new tensors go to when a factory names none, as torch.set_default_device: a
 * training run sets it once, so every batch, mask and index tensor made anywhere below lands
 * on the model's device without a device argument threaded through each call.
 *
 * ```ts
 * await withDefaultDevice('cuda', async () => runSft(config)); // models and batches on the GPU
 * ```
 * fromTypedArray() stays on the CPU: it shares the JS buffer's memory.
 */
import { native } from '../native/binding.js';
import type { Device } from './base.js';

let current: Device = 'cpu';

export function getDefaultDevice(): Device {
  return current;
}

/** One name per device, the one tensors report: 'cuda' is 'cuda:0'. */
export function canonicalDevice(device: Device): Device {
  return device === 'cuda' ? 'cuda:0' : device;
}

/**
 * Checks the name and that the device exists (throws a TypeError saying what to use instead);
 * returns its canonical name.
 */
export function checkDevice(device: string, where = 'device'): Device {
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(device);
  if (m === null || (m[1] === 'cpu' && m[2] !== undefined)) {
    throw new TypeError(`${where}: '${device}' is not a device; use 'cpu', 'cuda' or 'cuda:N'`);
  }
  if (m[1] === 'cuda') {
    if (!native.cudaIsAvailable()) {
      throw new TypeError(`${where}: '${device}' asked for, but this libtorch has no usable CUDA device (build against a CUDA libtorch with LIBTORCH=..., or use 'cpu')`);
    }
    const index = Number(m[2] ?? 0);
    const count = native.cudaDeviceCount();
    if (index >= count) throw new TypeError(`${where}: '${device}' asked for, but only ${count} CUDA device${count === 1 ? ' is' : 's are'} visible`);
  }
  return canonicalDevice(device as Device);
}

export function setDefaultDevice(device: Device): void {
  current = checkDevice(device, 'setDefaultDevice');
}

/**
 * Runs `fn` with `device` as the default device and restores the previous one afterwards,
 * also when `fn` returns a promise (restored once it settles). Meant for one run at a time:
 * concurrent async work in the same process sees the same default.
 */
export function withDefaultDevice<T>(device: Device, fn: () => T): T {
  const previous = current;
  setDefaultDevice(device);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    current = previous;
    throw err;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      current = previous;
    }) as T;
  }
  current = previous;
  return result;
}
