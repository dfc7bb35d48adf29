/** `rlhf config schema` and `rlhf config validate`: the run config from the command line. */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ConfigError, documentedYaml, loadConfig, runConfigJsonSchema } from '../config/index.js';

export const CONFIG_USAGE = `rlhf config schema [--json]      every key with its default and description (YAML, or JSON Schema)
         rlhf config validate FILE [--set section.key=value ...] [--print]`;

/** Where the command writes; tests pass their own to capture output. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}
const consoleIo: CommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/**
 * Runs `rlhf config ...`; returns the exit code: 0 ok, 1 invalid config, 2 bad usage.
 * @example runConfig(['validate', 'examples/configs/sft.yaml', '--set', 'training.max_steps=5'])
 */
export function runConfig(args: readonly string[], io: CommandIo = consoleIo): number {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { json: { type: 'boolean' }, set: { type: 'string', multiple: true }, print: { type: 'boolean' }, help: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.err(`rlhf config: ${(err as Error).message}\nusage: ${CONFIG_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  switch (sub) {
    case 'schema':
      io.out(values.json ? JSON.stringify(runConfigJsonSchema(), null, 2) : documentedYaml());
      return 0;
    case 'validate': {
      const [file, ...extra] = positionals;
      if (file === undefined || extra.length > 0) {
        io.err(`rlhf config validate: expected one FILE, got ${positionals.length === 0 ? 'none' : positionals.map((p) => `'${p}'`).join(' ')}\nusage: ${CONFIG_USAGE}`);
        return 2;
      }
      try {
        const config = loadConfig(file, { overrides: values.set ?? [] });
        if (values.print) io.out(stringify(config).trimEnd());
        else io.out(`${file}: ok (training.algorithm ${config.training.algorithm}, model ${config.model.name_or_path})`);
        return 0;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        io.err(err.message);
        io.err(`${file}: ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}`);
        return 1;
      }
    }
    case undefined:
    case 'help':
      io.out(`usage: ${CONFIG_USAGE}`);
      return 0;
    default:
      io.err(`rlhf config: unknown subcommand '${sub}'\nusage: ${CONFIG_USAGE}`);
      return 2;
  }
}
