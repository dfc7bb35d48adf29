/**
 * A user-written environment (docs/tools.md): a `capital_of` tool over a small table, and a
 * reward of 1 when the final answer names the record's reference. Compiled with the project
 * (`npx tsc -p tsconfig.json`) and used from a config as
 *
 *   environment: { module: dist/examples/environments/capitals.js, max_turns: 3 }
 */
import { toolEnvironment, type Tool } from '../../src/environments/index.js';

const CAPITALS: Record<string, string> = { France: 'Paris', Japan: 'Tokyo', Kenya: 'Nairobi', Peru: 'Lima' };

/** A tool is a plain function with a JSON Schema for its arguments; bad arguments never reach it. */
export const capitalOf: Tool<{ country: string }> = {
  name: 'capital_of',
  description: 'The capital city of a country.',
  parameters: {
    type: 'object',
    properties: { country: { type: 'string', description: 'The country, e.g. "France".' } },
    required: ['country'],
  },
  run: ({ country }) => {
    const capital = CAPITALS[country];
    if (capital === undefined) throw new Error(`no capital known for ${country}`); // the model reads {"error": "..."}
    return capital;
  },
};

/** The module's default export: the factory the run calls once; it makes one environment per episode. */
export default toolEnvironment({
  name: 'capitals',
  tools: [capitalOf as Tool],
  score: (answer, start) => (start.reference !== undefined && answer.includes(start.reference) ? 1 : 0),
});
