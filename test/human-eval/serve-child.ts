/**
 * `rlhf human-eval ...` in a process of its own, for the browser test to SIGKILL. (Not a test
 * file: it runs only when spawned.)
 */
import { runHumanEval } from '../../src/cli/human-eval-command.js';

process.exitCode = await runHumanEval(process.argv.slice(2));
