/**
 * `rlhf chat --model DIR`: an interactive chat that renders the conversation with the model's
 * chat template and streams each reply. /reset starts over, /exit (or Ctrl-D) leaves.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { generate } from '../generation/index.js';
import { noGrad } from '../tensor/index.js';
import type { ChatMessage } from '../tokenizers/index.js';
import { generationConfigFrom, openModel, parseDtype, SAMPLING_FLAGS, textStreamer } from './model-session.js';

export const CHAT_USAGE = 'rlhf chat --model DIR [--system TEXT] [sampling flags as for generate]';

export async function runChat(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { model: { type: 'string' }, system: { type: 'string' }, ...SAMPLING_FLAGS }, strict: true });
  if (!values.model) throw new Error(`--model is required\n${CHAT_USAGE}`);
  const session = openModel(values.model, parseDtype(values.dtype));
  const { model, tokenizer } = session;
  const config = generationConfigFrom(session.defaults, values);
  const initial: ChatMessage[] = values.system ? [{ role: 'system', content: values.system }] : [];
  let messages = [...initial];
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty });
  const decode = (ids: readonly number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });
  const reply = (history: ChatMessage[]): string => {
    const prompt = tokenizer.applyChatTemplate(history, { addGenerationPrompt: true });
    process.stdout.write('assistant> ');
    const stream = textStreamer((ids) => decode(ids), (s) => process.stdout.write(s));
    const [out] = noGrad(() => generate(model, [prompt], config, { decode, onToken: (_, ids, live) => live[0] && stream(ids[0] as number) }));
    process.stdout.write('\n');
    return out?.text ?? '';
  };
  console.log('chat: type a message; /reset clears the conversation, /exit leaves');
  try {
    process.stdout.write('you> ');
    // Lines are buffered while a reply is generated, so piped input is never lost.
    for await (const line of rl) {
      const text = line.trim();
      if (text === '/exit') break;
      if (text === '/reset') messages = [...initial];
      else if (text !== '') {
        messages.push({ role: 'user', content: text });
        messages.push({ role: 'assistant', content: reply(messages) });
      }
      process.stdout.write('you> ');
    }
    process.stdout.write('\n');
  } finally {
    rl.close();
    model.dispose();
  }
  return 0;
}
