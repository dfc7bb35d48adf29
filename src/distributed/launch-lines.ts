/**
 * Cuts a worker's output into whole lines, so `rlhf launch` can prefix each with its rank and
 * write it in one piece: lines from different workers never interleave mid-line.
 *
 * @example
 * const lines = new LineSplitter();
 * lines.push('step 1\nstep');   // ['step 1']
 * lines.push(' 2\r\n');         // ['step 2']
 * lines.end();                  // []
 */
import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is cut, so a worker that never writes '\n' cannot grow the buffer without bound. */
const MAX_LINE_CHARS = 64 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  /**
   * The lines that `chunk` completes, without their terminators. '\n', '\r\n' and a lone '\r'
   * (a progress bar redrawing itself) each end a line; a '\r' with nothing before it is dropped.
   */
  push(chunk: Buffer | string): string[] {
    const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lines: string[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== '\n' && c !== '\r') continue;
      // A '\r' at the end of the chunk may be the first half of a '\r\n' split across chunks.
      if (c === '\r' && i === text.length - 1) break;
      const line = text.slice(start, i);
      if (c === '\n' || line !== '') lines.push(line);
      if (c === '\r' && text[i + 1] === '\n') i++;
      start = i + 1;
    }
    this.pending = text.slice(start);
    if (this.pending.length > MAX_LINE_CHARS) {
      lines.push(this.pending);
      this.pending = '';
    }
    return lines;
  }

  /** The unterminated last line, if any, once the stream has ended. */
  end(): string[] {
    const rest = (this.pending + this.decoder.end()).replace(/\r$/, '');
    this.pending = '';
    return rest === '' ? [] : [rest];
  }
}
