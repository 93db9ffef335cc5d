/**
 * The source's page: explains what is protected, shows the root key
 * fingerprint, lets the source write a message, attach files, opt in to
 * replies, and follow encryption and upload. All cryptography runs in the
 * worker (worker.ts); this file only holds what is on screen.
 *
 * Nothing is stored on the device: no cookies, web storage, IndexedDB,
 * caches or service workers. The language lives in the URL (`?lang=ko`).
 */
import { h } from './dom.js';
import { formatBytes, formatDate, formatDuration } from './format.js';
import { chooseLanguage, formatMessage, type Language, type MessageKey } from './i18n/catalog.js';
import { RateMeter, type ProgressEstimate } from './progress.js';
import type { FailureReason, PageMessage, WorkerMessage } from './protocol.js';

type Screen = 'compose' | 'secret' | 'progress' | 'done' | 'cancelled' | 'failed';

type KeyStatus =
  | { readonly state: 'checking' }
  | { readonly state: 'ready'; readonly expires: string }
  | { readonly state: 'failed'; readonly reason: FailureReason };

interface PageState {
  language: Language;
  screen: Screen;
  fingerprint: string | null;
  keys: KeyStatus;
  message: string;
  files: File[];
  reply: boolean;
  words: readonly string[] | null;
  /** The reason shown on the `failed` screen. */
  failure: FailureReason | null;
  uploadId: string | null;
  /** The worker file in use, so a failed WebAssembly start can fall back once. */
  workerFile: string;
}

const FAILURE_MESSAGES: Readonly<Record<FailureReason, MessageKey>> = {
  worker: 'error.worker',
  crypto: 'error.crypto',
  'root-key': 'error.rootKey',
  network: 'error.network',
  'manifest-invalid': 'error.manifest.invalid',
  'manifest-expired': 'error.manifest.expired',
  'manifest-future': 'error.manifest.future',
  'too-large': 'error.tooLarge',
  'server-busy': 'error.serverBusy',
  connection: 'error.connection',
  'file-read': 'error.fileRead',
  rejected: 'error.rejected',
  internal: 'error.internal',
};

/** Screen readers hear progress at most this often (the bar itself is always current). */
const ANNOUNCE_EVERY_MS = 15_000;
/** Two presses of Escape within this time leave the page. */
const ESCAPE_WINDOW_MS = 1000;

const WASM_WORKER = 'worker.js';
const NO_WASM_WORKER = 'worker-nowasm.js';

const state: PageState = {
  language: chooseLanguage(location.search, navigator.languages),
  screen: 'compose',
  fingerprint: null,
  keys: { state: 'checking' },
  message: '',
  files: [],
  reply: false,
  words: null,
  failure: null,
  uploadId: null,
  workerFile: typeof WebAssembly === 'object' ? WASM_WORKER : NO_WASM_WORKER,
};

let worker: Worker | null = null;
let meter: RateMeter | null = null;
let lastAnnounce = 0;
let lastEscape = 0;

const t = (key: MessageKey, params?: Readonly<Record<string, string | number>>): string =>
  formatMessage(state.language, key, params);

// ---------------------------------------------------------------------------
// Fixed parts of the page

const content = h('main', { id: 'content', attrs: { tabindex: '-1' } });
const announcer = h('p', { className: 'visually-hidden', attrs: { 'aria-live': 'polite', role: 'status' } });
const languageButton = h('button', { className: 'link-button', attrs: { type: 'button' } });
const exitButton = h('button', { className: 'exit-button', attrs: { type: 'button' } });

function announce(text: string): void {
  announcer.textContent = text;
}

function renderChrome(): void {
  document.documentElement.lang = state.language;
  document.title = t('page.title');
  const other: Language = state.language === 'en' ? 'ko' : 'en';
  languageButton.textContent = t('language.other');
  languageButton.setAttribute('lang', other);
  languageButton.title = t('language.label');
  exitButton.textContent = t('exit.button');
  exitButton.title = t('exit.hint');
}

// ---------------------------------------------------------------------------
// Worker

function postToWorker(message: PageMessage): void {
  worker?.postMessage(message);
}

function startWorker(): void {
  try {
    worker = new Worker(state.workerFile, { name: 'sealdrop-encryption' });
  } catch {
    worker = null;
    setKeys({ state: 'failed', reason: 'worker' });
    return;
  }
  worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
    onWorkerMessage(event.data);
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    workerFailed('worker');
  });
}

function workerFailed(reason: FailureReason): void {
  worker?.terminate();
  worker = null;
  if (state.screen === 'progress' || state.screen === 'secret') {
    state.failure = reason;
    showScreen('failed');
  }
  setKeys({ state: 'failed', reason });
}

function onWorkerMessage(message: WorkerMessage): void {
  switch (message.type) {
    case 'root':
      state.fingerprint = message.fingerprint;
      if (state.screen === 'compose') render();
      break;
    case 'ready':
      setKeys({ state: 'ready', expires: message.expires });
      break;
    case 'failed':
      if (message.stage === 'setup') {
        // WebAssembly that exists but cannot run (a policy, a broken engine):
        // the pure-JavaScript worker does the same work, only slower.
        if (message.reason === 'crypto' && state.workerFile === WASM_WORKER) {
          worker?.terminate();
          state.workerFile = NO_WASM_WORKER;
          startWorker();
          return;
        }
        workerFailed(message.reason);
      } else {
        state.failure = message.reason;
        showScreen('failed');
      }
      break;
    case 'secret':
      state.words = message.words;
      if (state.screen === 'secret') render();
      break;
    case 'created':
      state.uploadId = message.id;
      break;
    case 'progress':
      updateProgress(message.sent, message.total);
      break;
    case 'retrying':
      showRetrying();
      break;
    case 'cancelled':
      state.uploadId = null;
      showScreen('cancelled');
      break;
    case 'done':
      state.uploadId = null;
      showScreen('done');
      break;
  }
}

function setKeys(keys: KeyStatus): void {
  state.keys = keys;
  if (state.screen === 'compose') render();
}

// ---------------------------------------------------------------------------
// Screens

function showScreen(screen: Screen): void {
  state.screen = screen;
  render();
  // Move focus to the new screen's heading so keyboard and screen reader
  // users start at the top of what changed.
  content.querySelector('h2')?.focus();
}

function heading(text: string): HTMLHeadingElement {
  return h('h2', { text, attrs: { tabindex: '-1' } });
}

function bulletList(keys: readonly MessageKey[]): HTMLUListElement {
  return h('ul', {}, ...keys.map((key) => h('li', { text: t(key) })));
}

function alertBox(text: string): HTMLDivElement {
  return h('div', { className: 'alert', attrs: { role: 'alert' } }, h('p', { text }));
}

function introSection(): HTMLElement {
  return h(
    'section',
    { className: 'intro', attrs: { 'aria-labelledby': 'protects-heading' } },
    h('h2', { id: 'protects-heading', text: t('intro.protects.heading') }),
    bulletList(['intro.protects.1', 'intro.protects.2', 'intro.protects.3']),
    h('h2', { text: t('intro.limits.heading') }),
    bulletList(['intro.limits.1', 'intro.limits.2', 'intro.limits.3', 'intro.limits.4']),
  );
}

function keySection(): HTMLElement {
  const keys = state.keys;
  const status =
    keys.state === 'checking'
      ? h('p', { className: 'muted', text: t('keys.checking') })
      : keys.state === 'ready'
        ? h('p', { className: 'ok', text: t('keys.verified', { expires: formatDate(keys.expires, state.language) }) })
        : alertBox(t(FAILURE_MESSAGES[keys.reason]));
  return h(
    'section',
    { className: 'keys', attrs: { 'aria-labelledby': 'keys-heading' } },
    h('h2', { id: 'keys-heading', text: t('keys.heading') }),
    h('p', {}, h('code', { className: 'fingerprint', id: 'fingerprint', text: state.fingerprint ?? t('keys.unavailable') })),
    h('p', { className: 'help', text: t('keys.help') }),
    status,
  );
}

function fileList(): HTMLElement {
  if (state.files.length === 0) return h('p', { className: 'muted', id: 'file-list', text: t('compose.files.none') });
  const total = state.files.reduce((sum, file) => sum + file.size, 0);
  return h(
    'div',
    { id: 'file-list' },
    h(
      'ul',
      { className: 'files' },
      ...state.files.map((file, index) => {
        const remove = h('button', {
          className: 'link-button',
          text: t('compose.files.remove'),
          attrs: { type: 'button', 'aria-label': t('compose.files.removeNamed', { name: file.name }) },
        });
        remove.addEventListener('click', () => {
          state.files.splice(index, 1);
          replaceFileList();
        });
        return h(
          'li',
          {},
          h('span', { className: 'file-name', text: file.name }),
          h('span', { className: 'file-size', text: formatBytes(file.size, state.language) }),
          remove,
        );
      }),
    ),
    h('p', { className: 'muted', text: t('compose.files.total', { count: state.files.length, size: formatBytes(total, state.language) }) }),
  );
}

function replaceFileList(): void {
  const old = content.querySelector('#file-list');
  old?.replaceWith(fileList());
  // After a removal, keep the keyboard in the list, or on the file picker when it is empty.
  const next = content.querySelector<HTMLButtonElement>('#file-list button') ?? content.querySelector<HTMLInputElement>('#files');
  next?.focus();
}

function composeScreen(): HTMLElement[] {
  const ready = state.keys.state === 'ready';
  const message = h('textarea', {
    id: 'message',
    attrs: { rows: '8', 'aria-describedby': 'message-help', spellcheck: 'false', autocomplete: 'off' },
  });
  message.value = state.message;
  message.addEventListener('input', () => {
    state.message = message.value;
  });
  const files = h('input', { id: 'files', attrs: { type: 'file', multiple: '', 'aria-describedby': 'files-help' } });
  files.addEventListener('change', () => {
    state.files.push(...Array.from(files.files ?? []));
    // Cleared so the same file can be chosen again after a removal.
    files.value = '';
    content.querySelector('#file-list')?.replaceWith(fileList());
  });
  const reply = h('input', { id: 'reply', attrs: { type: 'checkbox', 'aria-describedby': 'reply-help' } });
  reply.checked = state.reply;
  reply.addEventListener('change', () => {
    state.reply = reply.checked;
    if (!reply.checked) {
      // No replies wanted: no secret may exist.
      state.words = null;
      postToWorker({ type: 'forget-secret' });
    }
  });
  const problem = h('p', { className: 'field-error', id: 'compose-problem', attrs: { role: 'alert' } });
  const send = h('button', { className: 'primary', id: 'send', text: t('compose.send'), attrs: { type: 'submit' } });
  send.disabled = !ready;
  const form = h(
    'form',
    { attrs: { novalidate: '', 'aria-labelledby': 'compose-heading' } },
    h('h2', { id: 'compose-heading', text: t('compose.heading'), attrs: { tabindex: '-1' } }),
    h('label', { text: t('compose.message.label'), attrs: { for: 'message' } }),
    h('p', { className: 'help', id: 'message-help', text: t('compose.message.help') }),
    message,
    h('label', { text: t('compose.files.label'), attrs: { for: 'files' } }),
    h('p', { className: 'help', id: 'files-help', text: t('compose.files.help') }),
    files,
    fileList(),
    h('div', { className: 'check' }, reply, h('label', { text: t('compose.reply.label'), attrs: { for: 'reply' } })),
    h('p', { className: 'help', id: 'reply-help', text: t('compose.reply.help') }),
    problem,
    send,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (state.keys.state !== 'ready') return;
    if (state.message.trim() === '' && state.files.length === 0) {
      problem.textContent = t('compose.empty');
      message.focus();
      return;
    }
    if (state.reply) {
      if (state.words === null) postToWorker({ type: 'secret', language: state.language });
      showScreen('secret');
    } else {
      startSending();
    }
  });
  return [
    h('p', { className: 'tagline', text: t('page.tagline') }),
    introSection(),
    keySection(),
    form,
  ];
}

function secretScreen(): HTMLElement[] {
  const confirm = h('input', { id: 'secret-confirm', attrs: { type: 'checkbox' } });
  const send = h('button', { className: 'primary', id: 'secret-send', text: t('secret.send'), attrs: { type: 'button' } });
  send.disabled = true;
  confirm.addEventListener('change', () => {
    send.disabled = !confirm.checked || state.words === null;
  });
  send.addEventListener('click', () => {
    if (confirm.checked && state.words !== null) startSending();
  });
  const back = h('button', { className: 'secondary', text: t('secret.back'), attrs: { type: 'button' } });
  back.addEventListener('click', () => {
    showScreen('compose');
  });
  const words =
    state.words === null
      ? h('p', { className: 'muted', text: t('progress.starting') })
      : h('ol', { className: 'words', id: 'secret-words', attrs: { lang: state.language } }, ...state.words.map((word) => h('li', { text: word })));
  return [
    heading(t('secret.heading')),
    h('p', { text: t('secret.intro') }),
    words,
    h('div', { className: 'check' }, confirm, h('label', { text: t('secret.confirm'), attrs: { for: 'secret-confirm' } })),
    h('div', { className: 'actions' }, back, send),
  ];
}

const progressBar = h('progress', { id: 'progress-bar', attrs: { max: '1', value: '0', 'aria-labelledby': 'progress-heading' } });
const progressText = h('p', { id: 'progress-text' });
const progressRate = h('p', { className: 'muted', id: 'progress-rate' });
const progressNotice = h('p', { className: 'notice', id: 'progress-notice' });

function progressScreen(): HTMLElement[] {
  const cancel = h('button', { className: 'secondary', id: 'cancel', text: t('progress.cancel'), attrs: { type: 'button' } });
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    postToWorker({ type: 'cancel' });
  });
  return [
    h('h2', { id: 'progress-heading', text: t('progress.heading'), attrs: { tabindex: '-1' } }),
    h('p', { text: t('progress.intro') }),
    progressBar,
    progressText,
    progressRate,
    progressNotice,
    cancel,
  ];
}

function describeProgress(estimate: ProgressEstimate): { status: string; rate: string } {
  const status = t('progress.status', {
    done: formatBytes(estimate.done, state.language),
    total: formatBytes(estimate.total, state.language),
  });
  const rate =
    estimate.rate === null || estimate.remaining === null
      ? ''
      : t('progress.rate', {
          rate: formatBytes(estimate.rate, state.language),
          remaining: formatDuration(estimate.remaining, state.language),
        });
  return { status, rate };
}

let lastEstimate: ProgressEstimate | null = null;

function paintProgress(): void {
  if (lastEstimate === null) {
    progressText.textContent = t('progress.starting');
    progressRate.textContent = '';
    return;
  }
  const { status, rate } = describeProgress(lastEstimate);
  progressText.textContent = lastEstimate.done >= lastEstimate.total ? t('progress.finishing') : status;
  progressRate.textContent = rate;
}

function updateProgress(sent: number, total: number): void {
  meter ??= new RateMeter(total);
  lastEstimate = meter.update(sent, performance.now());
  progressBar.max = total;
  progressBar.value = sent;
  progressNotice.textContent = '';
  paintProgress();
  const now = performance.now();
  if (now - lastAnnounce >= ANNOUNCE_EVERY_MS) {
    lastAnnounce = now;
    announce(`${describeProgress(lastEstimate).status}. ${describeProgress(lastEstimate).rate}`);
  }
}

function showRetrying(): void {
  progressNotice.textContent = t('progress.retrying');
  announce(t('progress.retrying'));
}

function doneScreen(): HTMLElement[] {
  const again = h('button', { className: 'secondary', id: 'send-again', text: t('done.again'), attrs: { type: 'button' } });
  again.addEventListener('click', () => {
    resetDraft();
    showScreen('compose');
  });
  const screen: HTMLElement[] = [heading(t('done.heading')), h('p', { className: 'ok', text: t('done.body') })];
  if (state.reply) screen.push(h('p', { text: t('done.reply') }));
  screen.push(h('p', { text: t('done.leave') }), again);
  return screen;
}

function cancelledScreen(): HTMLElement[] {
  const back = h('button', { className: 'secondary', text: t('secret.back'), attrs: { type: 'button' } });
  back.addEventListener('click', () => {
    showScreen('compose');
  });
  return [heading(t('cancelled.heading')), h('p', { text: t('cancelled.body') }), back];
}

function failedScreen(): HTMLElement[] {
  const reason = state.failure ?? 'internal';
  const setupBroken = worker === null;
  const again = h('button', {
    className: 'secondary',
    id: 'try-again',
    text: setupBroken ? t('error.reload') : t('error.again'),
    attrs: { type: 'button' },
  });
  again.addEventListener('click', () => {
    if (setupBroken) location.reload();
    else showScreen('compose');
  });
  return [heading(t('error.heading')), alertBox(t(FAILURE_MESSAGES[reason])), again];
}

function render(): void {
  renderChrome();
  const screens: Record<Screen, () => HTMLElement[]> = {
    compose: composeScreen,
    secret: secretScreen,
    progress: progressScreen,
    done: doneScreen,
    cancelled: cancelledScreen,
    failed: failedScreen,
  };
  content.replaceChildren(h('h1', { text: t('page.heading') }), ...screens[state.screen]());
  if (state.screen === 'progress') paintProgress();
}

function startSending(): void {
  meter = null;
  lastEstimate = null;
  lastAnnounce = 0;
  // Indeterminate until the first batch is stored.
  progressBar.removeAttribute('value');
  progressNotice.textContent = '';
  showScreen('progress');
  postToWorker({ type: 'send', message: state.message, files: state.files, reply: state.reply });
}

function resetDraft(): void {
  state.message = '';
  state.files = [];
  state.reply = false;
  state.words = null;
}

// ---------------------------------------------------------------------------
// Language and quick exit

function switchLanguage(): void {
  state.language = state.language === 'en' ? 'ko' : 'en';
  // In the URL, not in storage: a reload keeps the language, the device keeps nothing.
  const url = new URL(location.href);
  url.searchParams.set('lang', state.language);
  history.replaceState(null, '', url.pathname + url.search);
  // The secret's words follow the language; the secret itself does not change.
  if (state.words !== null) postToWorker({ type: 'secret', language: state.language });
  render();
  languageButton.focus();
}

/**
 * Leave at once: stop the worker (its keys and secret die with it), delete
 * any partial upload, drop everything typed, and replace this page in the
 * history so Back does not return to it.
 */
function quickExit(): void {
  worker?.terminate();
  worker = null;
  if (state.uploadId !== null) {
    void fetch(`api/uploads/${state.uploadId}`, { method: 'DELETE', keepalive: true, credentials: 'omit' }).catch(() => undefined);
  }
  resetDraft();
  document.body.replaceChildren();
  document.title = '';
  location.replace('about:blank');
}

function main(): void {
  languageButton.addEventListener('click', switchLanguage);
  exitButton.addEventListener('click', quickExit);
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    const now = performance.now();
    if (now - lastEscape <= ESCAPE_WINDOW_MS) quickExit();
    lastEscape = now;
  });
  const header = h(
    'header',
    { className: 'bar' },
    h('span', { className: 'brand', text: 'Sealdrop' }),
    h('nav', { className: 'bar-actions' }, languageButton, exitButton),
  );
  document.body.replaceChildren(header, content, announcer);
  render();
  startWorker();
}

main();
