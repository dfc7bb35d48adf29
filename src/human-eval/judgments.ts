/**
 * Judgments: one JSON line each in `judgments.jsonl`, appended and fsync'ed before the server
 * answers, so an acknowledged judgment survives a crash, a kill or a power cut.
 *
 * ```ts
 * const log = JudgmentLog.open('runs/heval/judgments.jsonl');
 * log.append({ item: 'item-0003', annotator: 'ana', choice: 'tie', time: new Date().toISOString() });
 * log.judgedBy('ana');  // Set { 'item-0003', ... }
 * ```
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** `a` or `b`: that response is better; `tie`: equally good; `both_bad`: neither is acceptable. */
export type Choice = 'a' | 'b' | 'tie' | 'both_bad';
export const CHOICES: readonly Choice[] = ['a', 'b', 'tie', 'both_bad'];

/** One line of judgments.jsonl. */
export interface Judgment {
  item: string;
  annotator: string;
  choice: Choice;
  comment?: string;
  /** Milliseconds from showing the item to submitting, as the page measured it. */
  elapsed_ms?: number;
  /** When the server received it (ISO 8601). */
  time: string;
}

/** A line that could not be used, with why. */
export interface SkippedLine {
  line: number;
  reason: string;
}

/** Judgments read back from a file, with the lines that were not judgments. */
export interface ReadJudgments {
  judgments: Judgment[];
  /** The 1-based file line of each judgment. */
  lines: number[];
  skipped: SkippedLine[];
}

/**
 * Reads judgments.jsonl (empty when the file does not exist yet). Broken lines — a line cut short
 * by a crash before its fsync — are skipped and listed, never fatal.
 */
export function readJudgments(path: string): ReadJudgments {
  if (!existsSync(path)) return { judgments: [], lines: [], skipped: [] };
  const judgments: Judgment[] = [];
  const lines: number[] = [];
  const skipped: SkippedLine[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        skipped.push({ line: i + 1, reason: 'not valid JSON (a line cut short by a crash?)' });
        return;
      }
      const reason = judgmentProblem(value);
      if (reason === undefined) {
        judgments.push(value as Judgment);
        lines.push(i + 1);
      } else skipped.push({ line: i + 1, reason });
    });
  return { judgments, lines, skipped };
}

/** Why a parsed line is not a judgment, or undefined when it is one. */
function judgmentProblem(value: unknown): string | undefined {
  const j = value as Partial<Judgment> | null;
  if (typeof j !== 'object' || j === null) return 'not a JSON object';
  if (typeof j.item !== 'string' || typeof j.annotator !== 'string') return 'needs string item and annotator';
  if (!CHOICES.includes(j.choice as Choice)) return `choice must be one of ${CHOICES.join(', ')}`;
  return undefined;
}

/** The append-only judgment file of a running server, with each annotator's judged items. */
export class JudgmentLog {
  private readonly judged = new Map<string, Set<string>>();

  private constructor(
    readonly path: string,
    private readonly fd: number,
    /** Lines of the existing file that were skipped on open. */
    readonly skipped: SkippedLine[],
  ) {}

  /** Opens (or creates) the file for appending and loads who judged what. */
  static open(path: string): JudgmentLog {
    const existed = existsSync(path);
    const { judgments, skipped } = readJudgments(path);
    const fd = openSync(path, 'a+');
    if (!existed) fsyncDirectory(dirname(path)); // the new file's directory entry must survive a crash too
    // A crash mid-write can leave a last line without its newline; start a fresh line so the next
    // judgment is not glued onto it.
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeSync(fd, '\n');
    }
    const log = new JudgmentLog(path, fd, skipped);
    for (const j of judgments) log.remember(j);
    return log;
  }

  /** Appends one judgment and fsyncs; when this returns the judgment is on disk. */
  append(judgment: Judgment): void {
    writeSync(this.fd, JSON.stringify(judgment) + '\n');
    fsyncSync(this.fd);
    this.remember(judgment);
  }

  /** Item ids this annotator has judged. */
  judgedBy(annotator: string): ReadonlySet<string> {
    return this.judged.get(annotator) ?? new Set();
  }

  close(): void {
    closeSync(this.fd);
  }

  private remember(judgment: Judgment): void {
    const items = this.judged.get(judgment.annotator) ?? new Set<string>();
    items.add(judgment.item);
    this.judged.set(judgment.annotator, items);
  }
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
