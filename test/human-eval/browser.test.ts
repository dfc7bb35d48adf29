/**
 * End to end in a real headless browser: Debian's chromium driven by playwright-core against
 * `rlhf human-eval serve` in a child process. An annotator judges with clicks and with keys, the
 * server is SIGKILLed mid-task and restarted, the reloaded page resumes at the right item with
 * every acknowledged judgment in judgments.jsonl, a second annotator gets their own progress,
 * and `analyze` counts it all.
 *
 * Skips when chromium is missing (`apt-get install chromium`; CI installs it in .ci/run) —
 * set CHROMIUM_PATH to use another build.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { HumanEvalReport } from '../../src/human-eval/analyze.js';
import { readJudgments } from '../../src/human-eval/judgments.js';
import { cohensKappa } from '../../src/human-eval/stats.js';
import { readKey } from '../../src/human-eval/task.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CLI = fileURLToPath(new URL('./serve-child.js', import.meta.url));
// What Debian's chromium needs here: root (no sandbox), no GPU, and no calls home on a closed network.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Served {
  child: ChildProcess;
  url: string;
}

/** Starts `human-eval serve` in a child process and waits for the URL it prints. */
async function serve(dir: string, port: number): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not print its URL within 15 s:\n${output}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /serving .* at (http:\/\/\S+)/.exec(output)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before serving:\n${output}`));
    });
  });
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

function writeGenerations(dir: string): { alpha: string; beta: string } {
  const prompts = [1, 2, 3, 4, 5].map((n) => `Prompt number ${n}?`);
  const alpha = join(dir, 'model-alpha.jsonl');
  const beta = join(dir, 'model-beta.jsonl');
  writeFileSync(alpha, [...prompts, 'Only alpha answered this?'].map((p) => JSON.stringify({ prompt: p, response: `Alpha's reply to ${p}` })).join('\n') + '\n');
  // `rlhf generate` output, in another order.
  writeFileSync(beta, [...prompts].reverse().map((p) => JSON.stringify({ prompt: p, completion: `Beta's reply to ${p}`, token_ids: [1], logprobs: [-1], finish_reason: 'stop' })).join('\n') + '\n');
  return { alpha, beta };
}

const atItem = (page: Page, n: number) => page.locator('#position', { hasText: new RegExp(`^Item ${n} of 5$`) }).waitFor();
const progress = (page: Page) => page.locator('#progress').textContent();

test('annotate in chromium, survive a SIGKILL, resume, second annotator, analyze', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
    return;
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    t.skip('playwright-core is not installed: run `npm install` (it is a devDependency)');
    return;
  }

  const dir = mkdtempSync(join(tmpdir(), 'heval-browser-'));
  const { alpha, beta } = writeGenerations(dir);
  const task = join(dir, 'task');
  const created = spawnSync(process.execPath, [CLI, 'create', alpha, beta, '--out', task, '--seed', '3'], { encoding: 'utf8' });
  assert.equal(created.status, 0, created.stderr);
  assert.match(created.stdout, /5 items from model-alpha .* and model-beta/);
  assert.match(created.stdout, /1 prompt\(s\) of model-alpha have no reply from model-beta and were left out: "Only alpha answered this\?"/);

  let server = await serve(task, 0);
  const port = Number(new URL(server.url).port);
  let browser: Browser | undefined;
  let exitCode: number | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    await page.goto(server.url);
    await page.fill('#name', 'ana');
    await page.click('#start');
    await atItem(page, 1);
    assert.equal(await progress(page), '0 of 5 judged');
    assert.match((await page.locator('#prompt').textContent()) ?? '', /^Prompt number 1\?$/);
    assert.doesNotMatch(await page.content(), /model-alpha|model-beta/, 'the page must not name the models');

    // Item 1 with the mouse: choose A, write a comment, click Submit.
    await page.click('[data-choice="a"]');
    assert.equal(await page.getAttribute('[data-choice="a"]', 'aria-checked'), 'true');
    await page.fill('#comment', 'clearer');
    await page.click('#submit');
    await atItem(page, 2);
    assert.equal(await progress(page), '1 of 5 judged');
    // Item 2 with keys: 2 then Enter.
    await page.keyboard.press('2');
    await page.keyboard.press('Enter');
    await atItem(page, 3);
    // Item 3: T, C to jump to the comment, type, Enter submits from the comment box.
    await page.keyboard.press('t');
    await page.keyboard.press('c');
    await page.keyboard.type('close call');
    await page.keyboard.press('Enter');
    await atItem(page, 4);
    assert.equal(await progress(page), '3 of 5 judged');

    // Kill the server while item 4 is chosen but not yet submitted.
    await page.keyboard.press('x');
    assert.equal(await stop(server.child, 'SIGKILL'), null);
    let judgments = readJudgments(join(task, 'judgments.jsonl')).judgments;
    assert.deepEqual(
      judgments.map((j) => [j.annotator, j.item, j.choice, j.comment]),
      [
        ['ana', 'item-0001', 'a', 'clearer'],
        ['ana', 'item-0002', 'b', undefined],
        ['ana', 'item-0003', 'tie', 'close call'],
      ],
    );
    assert.ok(judgments.every((j) => typeof j.elapsed_ms === 'number'));
    // Submitting to a dead server says so and stays on the item.
    await page.keyboard.press('Enter');
    await page.locator('#status', { hasText: 'Cannot reach the server' }).waitFor();
    assert.equal(await page.locator('#position').textContent(), 'Item 4 of 5');

    // Restart on the same port and reload: the page remembers ana and resumes at item 4.
    server = await serve(task, port);
    await page.reload();
    await atItem(page, 4);
    assert.equal(await progress(page), '3 of 5 judged');
    assert.equal(await page.locator('[aria-checked="true"]').count(), 0);
    await page.keyboard.press('4');
    await page.keyboard.press('Enter');
    await atItem(page, 5);
    await page.click('text=B is better');
    await page.click('#submit');
    await page.locator('#done-text', { hasText: 'You have judged all 5 items' }).waitFor();
    assert.equal(await progress(page), '5 of 5 judged');

    // A second annotator on the same page has their own progress.
    await page.click('#change');
    await page.fill('#name', 'bob');
    await page.keyboard.press('Enter');
    await atItem(page, 1);
    assert.equal(await progress(page), '0 of 5 judged');
    await page.keyboard.press('1');
    await page.keyboard.press('Enter');
    await atItem(page, 2);
    await page.keyboard.press('a');
    await page.keyboard.press('Enter');
    await atItem(page, 3);
    assert.equal(await progress(page), '2 of 5 judged');
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    exitCode = await stop(server.child, 'SIGTERM');
  }
  assert.equal(exitCode, 0, "SIGTERM is Ctrl-C's path: the server closes and exits 0");

  const judgments = readJudgments(join(task, 'judgments.jsonl')).judgments;
  assert.deepEqual(
    judgments.map((j) => `${j.annotator} ${j.item} ${j.choice}`),
    ['ana item-0001 a', 'ana item-0002 b', 'ana item-0003 tie', 'ana item-0004 both_bad', 'ana item-0005 b', 'bob item-0001 a', 'bob item-0002 a'],
  );

  const analyzed = spawnSync(process.execPath, [CLI, 'analyze', task, '--json'], { encoding: 'utf8' });
  assert.equal(analyzed.status, 0, analyzed.stderr);
  const report = JSON.parse(analyzed.stdout) as HumanEvalReport;
  const key = readKey(task);
  const side = (item: string, s: 'a' | 'b') => key.items[item]?.[s] as string;
  const winners = [side('item-0001', 'a'), side('item-0002', 'b'), side('item-0005', 'b'), side('item-0001', 'a'), side('item-0002', 'a')];
  assert.deepEqual(report.models, ['model-alpha', 'model-beta']);
  assert.deepEqual([report.judgments, report.decisive, report.ties, report.bothBad, report.itemsJudged], [7, 5, 1, 1, 5]);
  for (const r of report.results) assert.equal(r.wins, winners.filter((w) => w === r.model).length, r.model);
  assert.deepEqual(report.annotators.map((a) => [a.annotator, a.judgments]), [['ana', 5], ['bob', 2]]);
  // ana and bob share items 1 and 2 and agree on item 1 only.
  assert.equal(report.agreement?.items, 2);
  assert.equal(report.agreement?.rawAgreement, 0.5);
  assert.equal(report.agreement?.method, 'cohen');
  const kappa = cohensKappa([side('item-0001', 'a'), side('item-0002', 'b')], [side('item-0001', 'a'), side('item-0002', 'a')]);
  assert.equal(report.agreement?.kappa, kappa);
  assert.equal(kappa, 0); // one of them names the same model twice, so p_o = p_e = 0.5

  const text = spawnSync(process.execPath, [CLI, 'analyze', task], { encoding: 'utf8' });
  assert.match(text.stdout, /5 of 5 items judged: 7 judgments by 2 annotators/);
  assert.match(text.stdout, /agreement on 2 items judged by 2\+ annotators \(ana, bob\): 50\.0% raw, Cohen's kappa 0\.000/);
  assert.ok(readFileSync(join(task, 'judgments.jsonl'), 'utf8').endsWith('\n'));
});
