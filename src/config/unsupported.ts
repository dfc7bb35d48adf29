/**
 * Settings the schema accepts (so that configs written for the Python framework validate) but
 * this build cannot honour yet. Each is refused when a config asks for it, with the reason and
 * the way to run without it, instead of being silently ignored.
 */
import type { RunConfig } from './schema/index.js';

/** A setting this build refuses: the config path and why. */
export interface UnsupportedSetting {
  path: string[];
  message: string;
}

/**
 * The settings of `config` that this build refuses (none for a config it can run).
 * @example unsupportedSettings(config).map((u) => u.message)
 */
export function unsupportedSettings(config: Pick<RunConfig, 'distributed'>): UnsupportedSetting[] {
  const out: UnsupportedSetting[] = [];
  const d = config.distributed;
  if (d.enabled) {
    out.push({
      path: ['distributed', 'enabled'],
      message:
        `distributed.enabled is true (strategy ${d.strategy}, backend ${d.backend}), but data-parallel training is not implemented in rlhf-ts yet; ` +
        'set distributed.enabled: false (training.distributed: false in the Python layout) and run one process: rlhf train --config FILE',
    });
  }
  return out;
}
