/**
 * Tool calls in a model's turn, in the Hermes / Qwen2.5 format the chat templates render:
 * `<tool_call>\n{"name": "calculator", "arguments": {"expression": "12*34"}}\n</tool_call>`.
 * A call that cannot be read is kept as an error (the model is told what went wrong in a tool
 * message) rather than dropped or thrown.
 *
 * ```ts
 * parseToolCalls('<tool_call>\n{"name": "calculator", "arguments": {"expression": "2+2"}}\n</tool_call>');
 * // { content: '', toolCalls: [{ ok: true, name: 'calculator', arguments: { expression: '2+2' } }] }
 * ```
 */

export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';

export type ParsedToolCall =
  | { ok: true; name: string; arguments: Record<string, unknown> }
  /** `name` when the body named a tool; `error` says what is wrong, for the tool message. */
  | { ok: false; name?: string; error: string };

export interface ParsedTurn {
  /** The text outside the tool-call blocks, trimmed. */
  content: string;
  toolCalls: ParsedToolCall[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every `<tool_call>…</tool_call>` block of `text`, in order; an unclosed one runs to the end. */
export function parseToolCalls(text: string): ParsedTurn {
  const toolCalls: ParsedToolCall[] = [];
  let content = '';
  let at = 0;
  for (;;) {
    const open = text.indexOf(TOOL_CALL_OPEN, at);
    if (open < 0) break;
    content += text.slice(at, open);
    const bodyStart = open + TOOL_CALL_OPEN.length;
    const close = text.indexOf(TOOL_CALL_CLOSE, bodyStart);
    if (close < 0) {
      toolCalls.push({ ok: false, error: `${TOOL_CALL_OPEN} is not closed by ${TOOL_CALL_CLOSE}` });
      at = text.length;
      break;
    }
    toolCalls.push(parseCallBody(text.slice(bodyStart, close)));
    at = close + TOOL_CALL_CLOSE.length;
  }
  content += text.slice(at);
  return { content: content.trim(), toolCalls };
}

/** One block's JSON body: `{"name": string, "arguments": object}` (arguments may also be a JSON string of an object). */
export function parseCallBody(body: string): ParsedToolCall {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, error: `the tool call is not valid JSON: ${JSON.stringify(body.trim().slice(0, 200))}` };
  }
  if (!isObject(value)) return { ok: false, error: 'the tool call must be a JSON object {"name": ..., "arguments": {...}}' };
  const name = value['name'];
  if (typeof name !== 'string' || name === '') return { ok: false, error: 'the tool call has no "name" string' };
  let args = value['arguments'];
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      // reported below as not an object
    }
  }
  if (!isObject(args)) return { ok: false, name, error: `"arguments" of the call to ${name} must be a JSON object` };
  return { ok: true, name, arguments: args };
}

/** JSON as Python's json.dumps (and Jinja's tojson) writes it: `", "` and `": "` separators. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}

/**
 * A tool call as Qwen2.5's template renders a structured one (and as a model trained on it
 * writes it): `<tool_call>\n{"name": "calculator", "arguments": {"expression": "12*34"}}\n</tool_call>`.
 */
export function formatToolCall(name: string, args: Record<string, unknown>): string {
  return `${TOOL_CALL_OPEN}\n{"name": ${JSON.stringify(name)}, "arguments": ${pythonJson(args)}}\n${TOOL_CALL_CLOSE}`;
}
