/**
 * Running parsed tool calls: look the tool up, validate its arguments against the tool's JSON
 * Schema (zod's fromJSONSchema), call it, and turn the outcome into the tool message the
 * chat template renders. Every failure (unreadable call, unknown tool, arguments the schema
 * refuses, a tool that throws) becomes an error message for the model, never an exception.
 *
 * ```ts
 * const box = new ToolBox([calculatorTool]);
 * await box.call({ ok: true, name: 'calculator', arguments: { expression: '12*34' } });
 * // { message: { role: 'tool', name: 'calculator', content: '408' }, error: false }
 * ```
 */
import { z } from 'zod';
import type { ChatMessage } from '../tokenizers/index.js';
import type { ParsedToolCall } from './tool-calls.js';
import type { Tool, ToolSchema } from './types.js';

export interface ToolCallOutcome {
  /** `{ role: 'tool', name, content }`: the tool's result, or `{"error": "..."}`. */
  message: ChatMessage;
  error: boolean;
}

/** The tool message of a failed call: the error as JSON, as TRL writes `{"error": str(e)}`. */
export function toolErrorMessage(name: string, error: string): ChatMessage {
  return { role: 'tool', name, content: JSON.stringify({ error }) };
}

/** One line per schema violation: `path: message`. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length === 0 ? 'arguments' : i.path.map(String).join('.')}: ${i.message}`).join('; ');
}

/** A set of tools by name, each with its compiled argument schema. */
export class ToolBox {
  private readonly tools = new Map<string, { tool: Tool; schema: z.ZodType }>();

  constructor(tools: readonly Tool[]) {
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new Error(`tool ${JSON.stringify(tool.name)} is defined twice`);
      let schema: z.ZodType;
      try {
        schema = z.fromJSONSchema(tool.parameters as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (e) {
        throw new Error(`tool ${tool.name}: its parameters are not a usable JSON Schema: ${(e as Error).message}`);
      }
      this.tools.set(tool.name, { tool, schema });
    }
  }

  get names(): string[] {
    return [...this.tools.keys()];
  }

  /** The tools as chat templates list them. */
  schemas(): ToolSchema[] {
    return [...this.tools.values()].map(({ tool }) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
  }

  async call(parsed: ParsedToolCall): Promise<ToolCallOutcome> {
    if (!parsed.ok) return { message: toolErrorMessage(parsed.name ?? 'unknown', parsed.error), error: true };
    const entry = this.tools.get(parsed.name);
    if (entry === undefined) {
      return { message: toolErrorMessage(parsed.name, `unknown tool ${JSON.stringify(parsed.name)}; the tools are ${this.names.join(', ')}`), error: true };
    }
    const checked = entry.schema.safeParse(parsed.arguments);
    if (!checked.success) return { message: toolErrorMessage(parsed.name, `invalid arguments for ${parsed.name}: ${describeIssues(checked.error)}`), error: true };
    let result: unknown;
    try {
      result = await entry.tool.run(checked.data as Record<string, unknown>);
    } catch (e) {
      return { message: toolErrorMessage(parsed.name, `${parsed.name} failed: ${(e as Error).message}`), error: true };
    }
    return { message: { role: 'tool', name: parsed.name, content: typeof result === 'string' ? result : JSON.stringify(result) }, error: false };
  }
}
