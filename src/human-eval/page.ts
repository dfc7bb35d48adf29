/**
 * The annotation page: one self-contained HTML document (CSS and JS inline, no network beyond
 * its own server's API). The annotator gives a name, then judges one item at a time; every
 * submit is saved by the server before the next item shows, and a reload resumes where they
 * stopped. All task text is put in with `textContent`, never as HTML.
 *
 * Keys: 1/A, 2/B, 3/T, 4/X choose; Enter submits (also from the comment box; Shift+Enter is a
 * new line there); C jumps to the comment, Esc leaves it.
 */

/** The page's HTML. The embedded script uses no template literals, so it sits in this one unchanged. */
export function renderPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Human evaluation</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <strong>Human evaluation</strong>
  <span id="who" hidden>annotator <b id="annotator-name"></b> <button id="change" type="button" class="link">change</button></span>
  <span id="progress-box" hidden><span id="progress"></span> <progress id="progress-bar" value="0" max="1"></progress></span>
</header>

<section id="login">
  <form id="login-form">
    <label for="name">Your name</label>
    <input id="name" name="name" autocomplete="username" maxlength="64" required autofocus>
    <button id="start" type="submit">Start</button>
  </form>
  <p class="hint">Judgments are saved under this name as you go. Come back with the same name to continue where you stopped.</p>
</section>

<main id="judge" hidden>
  <p class="position" id="position"></p>
  <section class="prompt"><h2>Prompt</h2><div id="prompt" class="text"></div></section>
  <div class="pair">
    <section class="response"><h2>Response A</h2><div id="response-a" class="text"></div></section>
    <section class="response"><h2>Response B</h2><div id="response-b" class="text"></div></section>
  </div>
  <div class="choices" role="radiogroup" aria-label="Which response is better?">
    <button type="button" data-choice="a" role="radio" aria-checked="false">A is better <kbd>1</kbd> <kbd>A</kbd></button>
    <button type="button" data-choice="b" role="radio" aria-checked="false">B is better <kbd>2</kbd> <kbd>B</kbd></button>
    <button type="button" data-choice="tie" role="radio" aria-checked="false">Tie <kbd>3</kbd> <kbd>T</kbd></button>
    <button type="button" data-choice="both_bad" role="radio" aria-checked="false">Both bad <kbd>4</kbd> <kbd>X</kbd></button>
  </div>
  <label for="comment" class="comment-label">Comment (optional) <kbd>C</kbd></label>
  <textarea id="comment" rows="2" maxlength="5000" placeholder="Why? (optional)"></textarea>
  <div class="submit-row">
    <button id="submit" type="button" disabled>Submit <kbd>Enter</kbd></button>
    <span id="status" role="status"></span>
  </div>
  <p class="hint">Keys: <kbd>1</kbd>/<kbd>A</kbd> A is better, <kbd>2</kbd>/<kbd>B</kbd> B is better,
    <kbd>3</kbd>/<kbd>T</kbd> tie, <kbd>4</kbd>/<kbd>X</kbd> both bad, <kbd>Enter</kbd> submit,
    <kbd>C</kbd> comment (<kbd>Shift</kbd>+<kbd>Enter</kbd> new line, <kbd>Esc</kbd> leave it).
    The two responses come from different systems in a random order.</p>
</main>

<section id="done" hidden>
  <h2>All done</h2>
  <p id="done-text"></p>
</section>

<p id="error" role="alert" hidden></p>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
  :root { font-family: system-ui, sans-serif; color: #1b1b1b; background: #f6f6f4; }
  body { max-width: 1200px; margin: 0 auto; padding: 0 16px 32px; }
  header { display: flex; gap: 24px; align-items: center; padding: 12px 0; border-bottom: 1px solid #ddd; flex-wrap: wrap; }
  h2 { font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.05em; color: #666; margin: 0 0 6px; }
  .text { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 12px; line-height: 1.45; }
  .prompt { margin: 12px 0; }
  .message + .message { margin-top: 8px; }
  .role { font-weight: 600; color: #555; }
  .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
  @media (max-width: 760px) { .pair { grid-template-columns: 1fr; } }
  .choices { display: flex; gap: 8px; margin: 16px 0 8px; flex-wrap: wrap; }
  button { font: inherit; padding: 8px 14px; border-radius: 6px; border: 1px solid #aaa; background: #fff; cursor: pointer; }
  button[aria-checked="true"] { background: #1f5fbf; border-color: #1f5fbf; color: #fff; }
  button:disabled { opacity: 0.5; cursor: default; }
  button.link { border: none; background: none; padding: 0; color: #1f5fbf; text-decoration: underline; }
  #submit:not(:disabled) { background: #1b7f3b; border-color: #1b7f3b; color: #fff; }
  kbd { font-family: ui-monospace, monospace; font-size: 0.8em; border: 1px solid #bbb; border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; background: #fafafa; color: #333; }
  textarea { width: 100%; box-sizing: border-box; font: inherit; padding: 6px 8px; }
  .comment-label { display: block; font-size: 0.9rem; color: #555; margin-bottom: 4px; }
  .submit-row { display: flex; gap: 12px; align-items: center; margin-top: 8px; }
  .hint, .position { color: #666; font-size: 0.9rem; }
  #login { margin-top: 48px; }
  #login input { font: inherit; padding: 6px 8px; margin: 0 8px; }
  #error { color: #b00020; }
  #status.error { color: #b00020; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var STORAGE_KEY = 'rlhf-human-eval:annotator';
  var KEYS = { '1': 'a', 'a': 'a', '2': 'b', 'b': 'b', '3': 'tie', 't': 'tie', '4': 'both_bad', 'x': 'both_bad' };
  var annotator = null, state = null, choice = null, shownAt = 0, busy = false;
  var $ = function (id) { return document.getElementById(id); };

  function api(path, init) {
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) return body;
        var err = new Error(body.error || ('HTTP ' + res.status));
        err.status = res.status; err.body = body;
        throw err;
      });
    }, function () {
      throw new Error('Cannot reach the server: nothing was saved. Check that it is running, then try again.');
    });
  }

  function showError(message) { $('error').textContent = message || ''; $('error').hidden = !message; }
  function setStatus(message, isError) { $('status').textContent = message; $('status').className = isError ? 'error' : ''; }

  function start(name) {
    showError('');
    return api('/api/state?annotator=' + encodeURIComponent(name)).then(function (s) {
      annotator = s.annotator;
      localStorage.setItem(STORAGE_KEY, annotator);
      $('annotator-name').textContent = annotator;
      $('who').hidden = false;
      $('login').hidden = true;
      setStatus('');
      show(s);
    }, function (err) { $('login').hidden = false; showError(err.message); });
  }

  function renderPrompt(el, prompt) {
    el.textContent = '';
    if (typeof prompt === 'string') { el.textContent = prompt; return; }
    prompt.forEach(function (m) {
      var div = document.createElement('div'); div.className = 'message';
      var role = document.createElement('span'); role.className = 'role'; role.textContent = m.role + ': ';
      div.appendChild(role); div.appendChild(document.createTextNode(m.content));
      el.appendChild(div);
    });
  }

  function show(s) {
    state = s;
    $('progress').textContent = s.judged + ' of ' + s.total + ' judged';
    $('progress-bar').max = s.total; $('progress-bar').value = s.judged;
    $('progress-box').hidden = false;
    if (!s.item) {
      $('judge').hidden = true; $('done').hidden = false;
      $('done-text').textContent = 'You have judged all ' + s.total + ' items. Thank you, ' + s.annotator + '!';
      return;
    }
    $('done').hidden = true; $('judge').hidden = false;
    $('position').textContent = 'Item ' + s.item.position + ' of ' + s.total;
    $('judge').dataset.item = s.item.id;
    renderPrompt($('prompt'), s.item.prompt);
    $('response-a').textContent = s.item.response_a;
    $('response-b').textContent = s.item.response_b;
    $('comment').value = '';
    $('comment').blur(); // after submitting from the comment box, keys choose again
    select(null);
    shownAt = performance.now();
    window.scrollTo(0, 0);
  }

  function select(c) {
    choice = c;
    document.querySelectorAll('[data-choice]').forEach(function (b) { b.setAttribute('aria-checked', String(b.dataset.choice === c)); });
    $('submit').disabled = c === null || busy;
  }

  function submit() {
    if (busy || !state || !state.item) return;
    if (choice === null) { setStatus('Choose A, B, tie or both bad first.', true); return; }
    busy = true; $('submit').disabled = true; setStatus('Saving...');
    var item = state.item.id;
    api('/api/judgments', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ annotator: annotator, item: item, choice: choice, comment: $('comment').value, elapsed_ms: Math.round(performance.now() - shownAt) })
    }).then(function (next) {
      busy = false; show(next); setStatus('Saved ' + item + '.');
    }, function (err) {
      busy = false;
      if (err.status === 409 && err.body && err.body.state) { show(err.body.state); setStatus(err.message + '; showing your next item.'); return; }
      select(choice); setStatus(err.message, true);
    });
  }

  document.addEventListener('keydown', function (ev) {
    if ($('judge').hidden || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var comment = $('comment');
    if (ev.target === comment) {
      if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); submit(); }
      else if (ev.key === 'Escape') comment.blur();
      return;
    }
    if (ev.target instanceof HTMLInputElement) return;
    var c = KEYS[ev.key.toLowerCase()];
    if (c) { ev.preventDefault(); select(c); }
    else if (ev.key === 'Enter') { ev.preventDefault(); submit(); }
    else if (ev.key.toLowerCase() === 'c') { ev.preventDefault(); comment.focus(); }
  });
  document.querySelectorAll('[data-choice]').forEach(function (b) {
    b.addEventListener('click', function () { select(b.dataset.choice); });
  });
  $('submit').addEventListener('click', submit);
  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var name = $('name').value.trim();
    if (name) start(name);
  });
  $('change').addEventListener('click', function () {
    localStorage.removeItem(STORAGE_KEY);
    annotator = null; state = null;
    ['who', 'progress-box', 'judge', 'done'].forEach(function (id) { $(id).hidden = true; });
    $('login').hidden = false; $('name').value = ''; $('name').focus();
  });

  var remembered = new URLSearchParams(location.search).get('annotator') || localStorage.getItem(STORAGE_KEY);
  if (remembered) { $('name').value = remembered; start(remembered); }
})();
`;
