/**
 * A full garbage collection, with the FinalizationRegistry callbacks that free the native memory of
 * unreferenced tensors run, so the allocator's live bytes (and so a step's peak) no longer depend on
 * when V8 last collected: a model an earlier run left to the GC net counts until then.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}
