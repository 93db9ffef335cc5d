/**
 * The page's controller without a browser: a fake display records what is
 * drawn, fake workers record what the page asks and answer as the real
 * worker would, and the page's other ports record their calls. Each test is
 * one path a source can take through the screens.
 */
import {
  NO_WASM_WORKER,
  PageController,
  WASM_WORKER,
  type Display,
  type EncryptionWorker,
  type PagePorts,
  type WorkerListener,
} from '../../client/app/controller.js';
import type { Language } from '../../client/app/i18n/catalog.js';
import type { PageEvents, PageView, ScreenName } from '../../client/app/page-state.js';
import type { PageMessage, WorkerMessage } from '../../client/app/protocol.js';

const UPLOAD_ID = '0123456789abcdef0123456789abcdef';
const WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

interface Drawn {
  readonly screen: ScreenName;
  readonly focus: boolean;
  readonly language: Language;
}

class FakeDisplay implements Display {
  readonly drawn: Drawn[] = [];
  /** Everything else the controller asked of the display, in order, with the draws as `draw <screen>`. */
  readonly log: string[] = [];
  events: PageEvents | null = null;

  render(view: PageView, events: PageEvents, focus: boolean): void {
    this.drawn.push({ screen: view.screen, focus, language: view.language });
    this.log.push(`draw ${view.screen}`);
    this.events = events;
  }

  resetProgress(): void {
    this.log.push('reset progress');
  }

  showProgress(sent: number, total: number): void {
    this.log.push(`progress ${sent}/${total}`);
  }

  showRetrying(): void {
    this.log.push('retrying');
  }

  focusLanguageSwitch(): void {
    this.log.push('focus language');
  }

  get last(): Drawn {
    return this.drawn.at(-1)!;
  }
}

class FakeWorker implements EncryptionWorker {
  readonly posted: PageMessage[] = [];
  terminated = false;

  constructor(
    readonly file: string,
    private readonly listener: WorkerListener,
  ) {}

  post(message: PageMessage): void {
    this.posted.push(message);
  }

  terminate(): void {
    this.terminated = true;
  }

  /** The worker answers. */
  say(message: WorkerMessage): void {
    this.listener.message(message);
  }

  crash(): void {
    this.listener.crashed();
  }
}

interface Page {
  readonly controller: PageController;
  readonly display: FakeDisplay;
  readonly workers: FakeWorker[];
  /** Calls of the ports other than the display and the worker. */
  readonly ports: string[];
  /** The worker started last. */
  worker(): FakeWorker;
}

function openPage(options: { webAssembly?: boolean; workerRefused?: boolean; language?: Language } = {}): Page {
  const display = new FakeDisplay();
  const workers: FakeWorker[] = [];
  const calls: string[] = [];
  const ports: PagePorts = {
    display,
    startWorker: (file, listener) => {
      if (options.workerRefused === true) throw new DOMException('blocked', 'SecurityError');
      const worker = new FakeWorker(file, listener);
      workers.push(worker);
      return worker;
    },
    keepLanguage: (language) => calls.push(`keep language ${language}`),
    discardUpload: (id) => calls.push(`discard ${id}`),
    leave: () => calls.push('leave'),
    reload: () => calls.push('reload'),
  };
  const controller = new PageController(ports, {
    language: options.language ?? 'en',
    webAssembly: options.webAssembly ?? true,
  });
  controller.start();
  return { controller, display, workers, ports: calls, worker: () => workers.at(-1)! };
}

/** The worker has read the root key and verified the manifest. */
function keysVerified(page: Page): void {
  page.worker().say({ type: 'root', fingerprint: 'RWQ fingerprint' });
  page.worker().say({ type: 'ready', expires: '2030-01-01T00:00:00Z' });
}

function file(name: string, size: number): File {
  return new File([new Uint8Array(size)], name);
}

/** A verified page with a message typed, sent without replies, on the progress screen. */
function sending(): Page {
  const page = openPage();
  keysVerified(page);
  page.controller.editMessage('a tip');
  expect(page.controller.submit()).toBe('accepted');
  return page;
}

/** A verified page with a message typed and replies chosen, showing the secret's words. */
function showingWords(language: Language = 'en'): Page {
  const page = openPage({ language });
  keysVerified(page);
  page.controller.editMessage('a tip');
  page.controller.chooseReply(true);
  expect(page.controller.submit()).toBe('accepted');
  page.worker().say({ type: 'secret', words: WORDS });
  return page;
}

describe('setting up', () => {
  test('draws the form at once, starts the WebAssembly worker, and redraws the form as the keys are checked', () => {
    const page = openPage();
    expect(page.display.drawn).toEqual([{ screen: 'compose', focus: false, language: 'en' }]);
    expect(page.display.events).toBe(page.controller);
    expect(page.workers.map((worker) => worker.file)).toEqual([WASM_WORKER]);
    expect(page.controller.view).toMatchObject({ keys: { state: 'checking' }, fingerprint: null, workerRunning: true });
    keysVerified(page);
    expect(page.controller.view).toMatchObject({
      keys: { state: 'ready', expires: '2030-01-01T00:00:00Z' },
      fingerprint: 'RWQ fingerprint',
    });
    expect(page.display.drawn.map((drawn) => drawn.screen)).toEqual(['compose', 'compose', 'compose']);
  });

  test('without WebAssembly starts the worker built without it', () => {
    const page = openPage({ webAssembly: false });
    expect(page.workers.map((worker) => worker.file)).toEqual([NO_WASM_WORKER]);
  });

  test('WebAssembly that cannot run falls back once to the worker without it; a second failure is shown', () => {
    const page = openPage();
    page.worker().say({ type: 'failed', stage: 'setup', reason: 'crypto' });
    expect(page.workers.map((worker) => worker.file)).toEqual([WASM_WORKER, NO_WASM_WORKER]);
    expect(page.workers[0]!.terminated).toBe(true);
    expect(page.controller.view.keys).toEqual({ state: 'checking' });
    page.worker().say({ type: 'failed', stage: 'setup', reason: 'crypto' });
    expect(page.workers).toHaveLength(2);
    expect(page.workers[1]!.terminated).toBe(true);
    expect(page.controller.view).toMatchObject({
      keys: { state: 'failed', reason: 'crypto' },
      workerRunning: false,
      screen: 'compose',
    });
  });

  test('a setup failure other than crypto is shown on the key panel without a fallback', () => {
    const page = openPage();
    page.worker().say({ type: 'failed', stage: 'setup', reason: 'manifest-expired' });
    expect(page.workers).toHaveLength(1);
    expect(page.controller.view).toMatchObject({
      keys: { state: 'failed', reason: 'manifest-expired' },
      screen: 'compose',
    });
    expect(page.display.last).toEqual({ screen: 'compose', focus: false, language: 'en' });
  });

  test('a worker the browser refuses to start fails the keys with `worker`', () => {
    const page = openPage({ workerRefused: true });
    expect(page.controller.view).toMatchObject({ keys: { state: 'failed', reason: 'worker' }, workerRunning: false });
    expect(page.controller.submit()).toBe('unavailable');
  });
});

describe('composing and sending', () => {
  test('send is refused until the keys are verified, then asks for a message or a file', () => {
    const page = openPage();
    page.controller.editMessage('a tip');
    expect(page.controller.submit()).toBe('unavailable');
    keysVerified(page);
    page.controller.editMessage('  \n ');
    expect(page.controller.submit()).toBe('empty');
    expect(page.worker().posted).toEqual([]);
    expect(page.controller.view.screen).toBe('compose');
  });

  test('without replies, send goes straight to progress and hands the draft to the worker', () => {
    const page = openPage();
    keysVerified(page);
    const files = [file('a.pdf', 3), file('b.jpg', 5), file('c.txt', 1)];
    page.controller.addFiles(files.slice(0, 2));
    page.controller.addFiles(files.slice(2));
    page.controller.removeFile(1);
    expect(page.controller.view.files).toEqual([files[0], files[2]]);
    expect(page.controller.submit()).toBe('accepted');
    expect(page.display.log.slice(-2)).toEqual(['reset progress', 'draw progress']);
    expect(page.display.last.focus).toBe(true);
    expect(page.worker().posted).toEqual([{ type: 'send', message: '', files: [files[0], files[2]], reply: false }]);
  });

  test('with replies, send shows the secret words first and sends only with them', () => {
    const page = openPage();
    keysVerified(page);
    page.controller.editMessage('a tip');
    page.controller.chooseReply(true);
    expect(page.controller.submit()).toBe('accepted');
    expect(page.display.last).toEqual({ screen: 'secret', focus: true, language: 'en' });
    expect(page.worker().posted).toEqual([{ type: 'secret', language: 'en' }]);
    // No words yet: nothing can be sent.
    page.controller.sendWithSecret();
    expect(page.controller.view.screen).toBe('secret');
    page.worker().say({ type: 'secret', words: WORDS });
    expect(page.display.last).toEqual({ screen: 'secret', focus: false, language: 'en' });
    expect(page.controller.view.words).toEqual(WORDS);
    // Back and send again: the same secret, not a new one.
    page.controller.returnToCompose();
    expect(page.controller.submit()).toBe('accepted');
    expect(page.worker().posted).toHaveLength(1);
    page.controller.sendWithSecret();
    expect(page.controller.view.screen).toBe('progress');
    expect(page.worker().posted.at(-1)).toEqual({ type: 'send', message: 'a tip', files: [], reply: true });
  });

  test('opting out of replies wipes the secret', () => {
    const page = showingWords();
    page.controller.returnToCompose();
    page.controller.chooseReply(false);
    expect(page.controller.view).toMatchObject({ reply: false, words: null });
    expect(page.worker().posted.at(-1)).toEqual({ type: 'forget-secret' });
  });

  test('progress and retries go to the display; done leads to a fresh draft', () => {
    const page = sending();
    page.worker().say({ type: 'created', id: UPLOAD_ID });
    page.worker().say({ type: 'progress', sent: 10, total: 100 });
    page.worker().say({ type: 'retrying' });
    page.worker().say({ type: 'progress', sent: 100, total: 100 });
    expect(page.display.log.slice(-3)).toEqual(['progress 10/100', 'retrying', 'progress 100/100']);
    page.worker().say({ type: 'done' });
    expect(page.display.last).toEqual({ screen: 'done', focus: true, language: 'en' });
    page.controller.sendAnother();
    expect(page.controller.view).toMatchObject({
      screen: 'compose',
      message: '',
      files: [],
      reply: false,
      words: null,
    });
    // The upload is finished: leaving deletes nothing.
    page.controller.quickExit();
    expect(page.ports).toEqual(['leave']);
  });

  test('cancel asks the worker; the cancelled screen leads back to the draft', () => {
    const page = sending();
    page.worker().say({ type: 'created', id: UPLOAD_ID });
    page.controller.cancelSend();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'cancel' });
    page.worker().say({ type: 'cancelled' });
    expect(page.display.last).toEqual({ screen: 'cancelled', focus: true, language: 'en' });
    page.controller.returnToCompose();
    expect(page.controller.view).toMatchObject({ screen: 'compose', message: 'a tip' });
    page.controller.quickExit();
    expect(page.ports).toEqual(['leave']);
  });
});

describe('failures', () => {
  test('a failed send shows why and keeps the worker, so the form can be used again', () => {
    const page = sending();
    page.worker().say({ type: 'failed', stage: 'send', reason: 'too-large' });
    expect(page.display.last).toEqual({ screen: 'failed', focus: true, language: 'en' });
    expect(page.controller.view).toMatchObject({ failure: 'too-large', workerRunning: true, keys: { state: 'ready' } });
    expect(page.worker().terminated).toBe(false);
    page.controller.returnToCompose();
    expect(page.controller.view).toMatchObject({ screen: 'compose', message: 'a tip' });
  });

  test('a worker that dies mid-send fails the send and the keys; a reload starts over', () => {
    const page = sending();
    page.worker().crash();
    expect(page.controller.view).toMatchObject({
      screen: 'failed',
      failure: 'worker',
      keys: { state: 'failed', reason: 'worker' },
      workerRunning: false,
    });
    expect(page.worker().terminated).toBe(true);
    page.controller.reload();
    expect(page.ports).toEqual(['reload']);
  });

  test('a worker that dies on the form marks only the keys failed', () => {
    const page = openPage();
    keysVerified(page);
    page.worker().crash();
    expect(page.controller.view).toMatchObject({
      screen: 'compose',
      failure: null,
      keys: { state: 'failed', reason: 'worker' },
    });
    expect(page.display.last.focus).toBe(false);
  });
});

describe('language and quick exit', () => {
  test('switching language keeps it in the URL, re-words the secret, and keeps focus on the switch', () => {
    const page = showingWords('ko');
    page.controller.switchLanguage();
    expect(page.ports).toEqual(['keep language en']);
    expect(page.worker().posted.at(-1)).toEqual({ type: 'secret', language: 'en' });
    expect(page.display.last).toEqual({ screen: 'secret', focus: false, language: 'en' });
    expect(page.display.log.at(-1)).toBe('focus language');
    page.controller.switchLanguage();
    expect(page.controller.view.language).toBe('ko');
  });

  test('switching language without a secret asks for none', () => {
    const page = openPage();
    keysVerified(page);
    page.controller.switchLanguage();
    expect(page.worker().posted).toEqual([]);
    expect(page.ports).toEqual(['keep language ko']);
  });

  test('quick exit mid-send stops the worker, deletes the partial upload, drops the draft and leaves', () => {
    const page = sending();
    page.worker().say({ type: 'created', id: UPLOAD_ID });
    page.controller.quickExit();
    expect(page.worker().terminated).toBe(true);
    expect(page.ports).toEqual([`discard ${UPLOAD_ID}`, 'leave']);
    expect(page.controller.view).toMatchObject({
      message: '',
      files: [],
      reply: false,
      words: null,
      workerRunning: false,
    });
  });

  test('Escape twice within a second leaves; presses further apart do not', () => {
    const page = openPage();
    page.controller.escapePressed(5_000);
    page.controller.escapePressed(6_500);
    expect(page.ports).toEqual([]);
    page.controller.escapePressed(7_400);
    expect(page.ports).toEqual(['leave']);
    expect(page.worker().terminated).toBe(true);
  });

  test('one Escape right after the page loads is not a quick exit', () => {
    // performance.now() starts near 0 when the page loads.
    const page = openPage();
    page.controller.escapePressed(300);
    expect(page.ports).toEqual([]);
  });
});
