/**
 * The calculator environment: one tool, `calculator({expression})`, that evaluates arithmetic
 * (+ − × ÷, parentheses, unary minus, decimals) exactly as written, and a reward of 1 when the
 * final answer equals the prompt record's `reference` (trimmed, inner whitespace collapsed, as
 * the exact_match reward), else 0.
 *
 * ```ts
 * evaluateExpression('12*(3+4)');   // 84
 * ```
 */
import { exactMatch } from '../eval/metrics/answer-match.js';
import { toolEnvironment } from './tool-environment.js';
import type { EnvironmentFactory, Tool } from './types.js';

/** Evaluates `+ - * /`, parentheses and unary minus over decimal numbers, left to right by precedence. */
export function evaluateExpression(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const fail = (what: string): never => {
    throw new Error(`${what} in ${JSON.stringify(expression)}`);
  };
  const primary = (): number => {
    const t = tokens[at++];
    if (t === undefined) return fail('unexpected end');
    if (t === '-') return -primary();
    if (t === '(') {
      const v = sum();
      if (tokens[at++] !== ')') fail("missing ')'");
      return v;
    }
    if (!/^\d/.test(t)) fail(`unexpected ${JSON.stringify(t)}`);
    return Number(t);
  };
  const product = (): number => {
    let v = primary();
    while (peek() === '*' || peek() === '/') {
      const op = tokens[at++];
      const r = primary();
      if (op === '/' && r === 0) fail('division by zero');
      v = op === '*' ? v * r : v / r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = tokens[at++] === '+' ? v + product() : v - product();
    return v;
  };
  if (tokens.length === 0) fail('empty expression');
  const value = sum();
  if (at < tokens.length) fail(`unexpected ${JSON.stringify(tokens[at])}`);
  return value;
}

/** A number as the calculator writes it: integers plainly, others to 12 significant digits. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

export const calculatorTool: Tool<{ expression: string }> = {
  name: 'calculator',
  description: 'Evaluates an arithmetic expression (+, -, *, /, parentheses) and returns the result.',
  parameters: {
    type: 'object',
    properties: { expression: { type: 'string', description: 'The expression, e.g. "12*(3+4)".' } },
    required: ['expression'],
    additionalProperties: false,
  },
  run: ({ expression }) => formatNumber(evaluateExpression(expression)),
};

/** `environment.name: calculator`. */
export function calculatorEnvironment(): EnvironmentFactory {
  return toolEnvironment({
    name: 'calculator',
    tools: [calculatorTool as Tool],
    score: (answer, start) => {
      if (start.reference === undefined) throw new Error('the calculator environment scores answers against the prompt record\'s "reference"; this record has none');
      return exactMatch(answer, start.reference) ? 1 : 0;
    },
  });
}
