/**
 * `serve`: the annotation web page and its JSON API over node:http. Each judgment is appended to
 * judgments.jsonl and fsync'ed before the reply, and each annotator resumes at their first
 * unjudged item, so closing the tab or killing the server loses nothing.
 *
 *   GET  /                               the page (self-contained HTML, page.ts)
 *   GET  /api/state?annotator=NAME       { annotator, judged, total, item | null }
 *   POST /api/judgments                  { annotator, item, choice, comment?, elapsed_ms? } -> state of the next item
 *
 * Errors are `{ "error": "..." }` with 400 (bad request), 404 (unknown item or path),
 * 405 (wrong method), 409 (already judged), 413 (body too large).
 *
 * ```ts
 * const server = await startServer({ dir: 'runs/heval', port: 0 });
 * console.log(server.url);   // http://127.0.0.1:41234/
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHOICES, JudgmentLog, type Choice, type Judgment } from './judgments.js';
import { renderPage } from './page.js';
import { readTask, taskPaths, type Task, type TaskItem } from './task.js';

export interface ServeOptions {
  /** Task folder made by `rlhf human-eval create`. */
  dir: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (this machine only); 0.0.0.0 for a LAN. */
  host?: string;
  /** Called with one line per saved judgment (the CLI prints them). */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The page's address, with the port actually bound. */
  url: string;
  task: Task;
  log: JudgmentLog;
  close(): Promise<void>;
}

/** What the page needs for one annotator: their progress and the item to judge next. */
export interface AnnotatorState {
  annotator: string;
  judged: number;
  total: number;
  /** The first item this annotator has not judged, with its 1-based position; null when done. */
  item: (TaskItem & { position: number }) | null;
}

/** Limits on what a request may send. */
export const REQUEST_LIMITS = { bodyBytes: 64 * 1024, annotatorChars: 64, commentChars: 5000 } as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const task = readTask(options.dir);
  const log = JudgmentLog.open(taskPaths(options.dir).judgments);
  const page = renderPage();
  const itemsById = new Map(task.items.map((item) => [item.id, item]));

  const stateOf = (annotator: string): AnnotatorState => {
    const done = log.judgedBy(annotator);
    const index = task.items.findIndex((item) => !done.has(item.id));
    const next = task.items[index];
    return {
      annotator,
      judged: task.items.filter((item) => done.has(item.id)).length,
      total: task.items.length,
      item: next === undefined ? null : { ...next, position: index + 1 },
    };
  };

  const submit = (body: unknown): AnnotatorState => {
    const judgment = parseSubmission(body);
    if (!itemsById.has(judgment.item)) throw new HttpError(404, `no item '${judgment.item}' in this task`);
    if (log.judgedBy(judgment.annotator).has(judgment.item)) {
      throw new HttpError(409, `${judgment.annotator} has already judged ${judgment.item}`, { state: stateOf(judgment.annotator) });
    }
    log.append(judgment);
    const state = stateOf(judgment.annotator);
    options.log?.(`${judgment.annotator}: ${judgment.item} -> ${judgment.choice} (${state.judged}/${state.total})`);
    return state;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = ROUTES[url.pathname];
    if (route === undefined) throw new HttpError(404, `no such path: ${url.pathname}`);
    if (req.method !== route) {
      res.setHeader('Allow', route);
      throw new HttpError(405, `${url.pathname} takes ${route}, not ${req.method ?? '?'}`);
    }
    switch (url.pathname) {
      case '/':
        return send(res, 200, page, 'text/html; charset=utf-8');
      case '/favicon.ico':
        res.writeHead(204).end(); // browsers ask for it; an empty answer keeps their consoles clean
        return;
      case '/api/state':
        return sendJson(res, 200, stateOf(parseAnnotator(url.searchParams.get('annotator'))));
      case '/api/judgments':
        return sendJson(res, 200, submit(await readJsonBody(req)));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message, ...err.extra });
      process.stderr.write(`human-eval: ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}\n`);
      sendJson(res, 500, { error: `internal error: ${(err as Error).message}` });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      log.close();
      const port = options.port ?? 8080;
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use; pick another with --port (0 picks a free one)`) : err);
    });
    server.listen(options.port ?? 8080, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    task,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          log.close();
          resolve();
        });
      }),
  };
}

/** The method each path answers. */
const ROUTES: Readonly<Record<string, 'GET' | 'POST'>> = { '/': 'GET', '/favicon.ico': 'GET', '/api/state': 'GET', '/api/judgments': 'POST' };

function parseAnnotator(value: unknown): string {
  if (value === null || value === undefined) throw new HttpError(400, 'annotator is required (your name, e.g. ?annotator=ana)');
  if (typeof value !== 'string') throw new HttpError(400, 'annotator must be a string');
  const name = value.trim();
  if (name === '') throw new HttpError(400, 'annotator must not be empty');
  if (name.length > REQUEST_LIMITS.annotatorChars) throw new HttpError(400, `annotator must be at most ${REQUEST_LIMITS.annotatorChars} characters`);
  if (/\p{Cc}/u.test(name)) throw new HttpError(400, 'annotator must not contain control characters');
  return name;
}

const SUBMISSION_FIELDS = ['annotator', 'item', 'choice', 'comment', 'elapsed_ms'];

/** Checks a POSTed judgment field by field; the server adds the time. */
function parseSubmission(body: unknown): Judgment {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !SUBMISSION_FIELDS.includes(k));
  if (unknown !== undefined) throw new HttpError(400, `unknown field '${unknown}'; expected ${SUBMISSION_FIELDS.join(', ')}`);
  const annotator = parseAnnotator(b.annotator);
  if (typeof b.item !== 'string' || b.item === '') throw new HttpError(400, 'item must be an item id string');
  if (!CHOICES.includes(b.choice as Choice)) throw new HttpError(400, `choice must be one of ${CHOICES.join(', ')}; got ${JSON.stringify(b.choice) ?? 'nothing'}`);
  const judgment: Judgment = { item: b.item, annotator, choice: b.choice as Choice, time: new Date().toISOString() };
  if (b.comment !== undefined) {
    if (typeof b.comment !== 'string') throw new HttpError(400, 'comment must be a string');
    if (b.comment.length > REQUEST_LIMITS.commentChars) throw new HttpError(400, `comment must be at most ${REQUEST_LIMITS.commentChars} characters`);
    if (b.comment.trim() !== '') judgment.comment = b.comment.trim();
  }
  if (b.elapsed_ms !== undefined) {
    if (typeof b.elapsed_ms !== 'number' || !Number.isFinite(b.elapsed_ms) || b.elapsed_ms < 0) throw new HttpError(400, 'elapsed_ms must be a non-negative number');
    judgment.elapsed_ms = Math.round(b.elapsed_ms);
  }
  return judgment;
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > REQUEST_LIMITS.bodyBytes) throw new HttpError(413, `the body is over ${REQUEST_LIMITS.bodyBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'the body is empty; send a JSON judgment');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, `the body is not valid JSON (${(err as Error).message})`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}
