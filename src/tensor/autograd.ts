/** Gradient-mode scopes. */
import { native } from '../native/binding.js';

/** Runs `fn` without recording operations for backward (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with gradient recording on, even inside noGrad (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = native.isGradEnabled();
  native.setGradEnabled(enabled);
  try {
    const result = fn();
    if (result instanceof Promise) throw new TypeError('noGrad/enableGrad: fn must be synchronous (grad mode is per call, not per await)');
    return result;
  } finally {
    native.setGradEnabled(previous);
  }
}
