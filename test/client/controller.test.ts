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
import { formatMessage } from '../../client/app/i18n/catalog.js';
import { fileSaveKey, type PageEvents, type PageView, type ScreenName } from '../../client/app/page-state.js';
import type { MailboxReply, PageMessage, WorkerMessage } from '../../client/app/protocol.js';
import { wordsProblemText } from '../../client/app/screens/words.js';

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

  showRetrying(nextTryInMs: number): void {
    this.log.push(`retrying in ${nextTryInMs}`);
  }

  showRestarting(reason: string): void {
    this.log.push(`restarting ${reason}`);
  }

  showCancelling(): void {
    this.log.push('cancelling');
  }

  focusLanguageSwitch(): void {
    this.log.push('focus language');
  }

  showMailboxProgress(done: number, total: number): void {
    this.log.push(`mailbox progress ${done}/${total}`);
  }

  clearWordsField(): void {
    this.log.push('clear words');
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
    // Keys that do not verify stop sending, not reading replies.
    expect(page.worker().terminated).toBe(false);
    expect(page.controller.view.workerRunning).toBe(true);
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
    expect(page.worker().posted).toEqual([{ type: 'send', message: '', files: [files[0], files[2]], reply: 'none' }]);
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
    expect(page.worker().posted.at(-1)).toEqual({ type: 'send', message: 'a tip', files: [], reply: 'new' });
  });

  test('make new words: the worker makes a fresh secret; no words until it answers, then a notice', () => {
    const page = showingWords();
    const fresh = WORDS.map((word) => `${word}2`);
    page.controller.makeNewWords();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'new-secret', language: 'en' });
    expect(page.controller.view).toMatchObject({ screen: 'secret', words: null, wordsRenewed: true });
    expect(page.display.last).toEqual({ screen: 'secret', focus: false, language: 'en' });
    // Nothing to send while the new words are made, and a second press asks for nothing more.
    page.controller.sendWithSecret();
    page.controller.makeNewWords();
    expect(page.controller.view.screen).toBe('secret');
    expect(page.worker().posted.filter((message) => message.type === 'new-secret')).toHaveLength(1);
    page.worker().say({ type: 'secret', words: fresh });
    expect(page.controller.view.words).toEqual(fresh);
    page.controller.sendWithSecret();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'send', message: 'a tip', files: [], reply: 'new' });
  });

  test('make new words racing a language switch: the old words are never shown, only the last answer', () => {
    const page = showingWords();
    page.controller.switchLanguage(); // asks for the old secret's Korean words
    page.controller.makeNewWords(); // before they come
    expect(page.worker().posted.slice(-2)).toEqual([
      { type: 'secret', language: 'ko' },
      { type: 'new-secret', language: 'ko' },
    ]);
    page.worker().say({ type: 'secret', words: ['옛', '단어'] });
    expect(page.controller.view.words).toBeNull();
    // Switching back while the new words are made asks for them in English.
    page.controller.switchLanguage();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'secret', language: 'en' });
    page.worker().say({ type: 'secret', words: ['새', '단어'] });
    expect(page.controller.view.words).toBeNull();
    page.worker().say({ type: 'secret', words: ['new', 'words'] });
    expect(page.controller.view.words).toEqual(['new', 'words']);
  });

  test('make new words does nothing off the secret screen, and going back keeps the notice off a new draft', () => {
    const page = showingWords();
    page.controller.returnToCompose();
    page.controller.makeNewWords();
    expect(page.worker().posted.some((message) => message.type === 'new-secret')).toBe(false);
    expect(page.controller.submit()).toBe('accepted');
    page.controller.makeNewWords();
    page.worker().say({ type: 'secret', words: WORDS });
    page.controller.chooseReply(false);
    expect(page.controller.view).toMatchObject({ words: null, wordsRenewed: false });
  });

  test('words that arrive after opting out of replies are not kept', () => {
    const page = openPage();
    keysVerified(page);
    page.controller.editMessage('a tip');
    page.controller.chooseReply(true);
    page.controller.submit();
    page.controller.returnToCompose();
    page.controller.chooseReply(false);
    page.worker().say({ type: 'secret', words: WORDS });
    expect(page.controller.view.words).toBeNull();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'forget-secret' });
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
    page.worker().say({ type: 'retrying', nextTryInMs: 4000 });
    page.worker().say({ type: 'progress', sent: 100, total: 100 });
    expect(page.display.log.slice(-3)).toEqual(['progress 10/100', 'retrying in 4000', 'progress 100/100']);
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

  test('cancel asks the worker and waits for its word; the cancelled screen leads back to the draft', () => {
    const page = sending();
    page.worker().say({ type: 'created', id: UPLOAD_ID });
    page.controller.cancelSend();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'cancel' });
    // Still on the progress screen, saying it is cancelling: nothing is claimed yet.
    expect(page.controller.view).toMatchObject({ screen: 'progress', cancelling: true, cancelled: null });
    expect(page.display.log.at(-1)).toBe('cancelling');
    // A second press, or "try now", while cancelling asks for nothing more.
    page.controller.cancelSend();
    page.controller.retryNow();
    expect(page.worker().posted.filter((message) => message.type === 'cancel')).toHaveLength(1);
    expect(page.worker().posted.at(-1)).toEqual({ type: 'cancel' });
    page.worker().say({ type: 'cancelled', outcome: { state: 'deleted' } });
    expect(page.display.last).toEqual({ screen: 'cancelled', focus: true, language: 'en' });
    expect(page.controller.view).toMatchObject({ cancelling: false, cancelled: { state: 'deleted' } });
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

  test('words the worker could not make fail the send, and the words of the next try are shown', () => {
    const page = openPage();
    keysVerified(page);
    page.controller.editMessage('a tip');
    page.controller.chooseReply(true);
    expect(page.controller.submit()).toBe('accepted');
    page.controller.makeNewWords(); // two answers awaited
    // The word lists did not load: one failure answers both requests.
    page.worker().say({ type: 'failed', stage: 'send', reason: 'network' });
    expect(page.controller.view).toMatchObject({ screen: 'failed', failure: 'network' });
    page.controller.returnToCompose();
    expect(page.controller.submit()).toBe('accepted');
    page.worker().say({ type: 'secret', words: WORDS });
    expect(page.controller.view).toMatchObject({ screen: 'secret', words: WORDS });
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

  test('"try now" while reconnecting goes to the worker', () => {
    const page = sending();
    page.worker().say({ type: 'retrying', nextTryInMs: 30_000 });
    page.controller.retryNow();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'retry-now' });
  });

  test('a restart is shown on the progress screen, and the new upload is the one quick exit deletes', () => {
    const page = sending();
    page.worker().say({ type: 'created', id: UPLOAD_ID });
    page.worker().say({ type: 'progress', sent: 10, total: 100 });
    page.worker().say({ type: 'restarting', reason: 'keys-changed' });
    expect(page.display.log.at(-1)).toBe('restarting keys-changed');
    expect(page.controller.view.screen).toBe('progress');
    // The old upload is gone on the server: nothing of it to delete.
    page.controller.quickExit();
    expect(page.ports).toEqual(['leave']);
  });

  test('a new send after a cancel starts with no cancel outcome', () => {
    const page = sending();
    page.controller.cancelSend();
    page.worker().say({ type: 'cancelled', outcome: { state: 'nothing-sent' } });
    page.controller.returnToCompose();
    page.controller.submit();
    expect(page.controller.view).toMatchObject({ screen: 'progress', cancelling: false, cancelled: null });
    expect(page.worker().posted.at(-1)).toMatchObject({ type: 'send' });
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

// The returning source ---------------------------------------------------------

/** Words a source might type; the controller must hand them on and keep no copy. */
const TYPED = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const REPLY_1 = '11111111111111111111111111111111';
const REPLY_2 = '22222222222222222222222222222222';
const REPLY_3 = '33333333333333333333333333333333';

function reply(id: string, day: string, message = `reply ${id.slice(0, 2)}`): MailboxReply {
  return { readable: true, id, day, message, files: [], check: 'whole' };
}

/** A verified page on the words screen. */
function onWordsScreen(language: Language = 'en'): Page {
  const page = openPage({ language });
  keysVerified(page);
  page.controller.readReplies();
  return page;
}

/** A page whose mailbox the worker opened with `replies`. */
function mailboxOpen(replies: readonly MailboxReply[]): Page {
  const page = onWordsScreen();
  page.controller.openMailbox(TYPED);
  page.worker().say({ type: 'mailbox', replies });
  return page;
}

/** Nothing the page holds (its view, what it drew) contains the typed words. */
function expectNoWordsHeld(page: Page): void {
  expect(JSON.stringify(page.controller.view)).not.toContain('legal');
  expect(page.display.log.join('\n')).not.toContain('legal');
}

describe('reading replies', () => {
  test('the first screen leads to the words screen, focus on its heading; the worker loads the word lists meanwhile', () => {
    const page = openPage();
    page.controller.readReplies();
    expect(page.display.last).toEqual({ screen: 'words', focus: true, language: 'en' });
    expect(page.worker().posted).toEqual([{ type: 'prepare-words' }]);
  });

  test('open hands the words to the worker once and keeps no copy', () => {
    const page = onWordsScreen();
    page.controller.openMailbox(TYPED);
    page.controller.openMailbox(TYPED);
    expect(page.worker().posted).toEqual([{ type: 'prepare-words' }, { type: 'open-mailbox', words: TYPED }]);
    expect(page.controller.view).toMatchObject({ screen: 'words', opening: true, wordsProblem: null });
    expectNoWordsHeld(page);
  });

  test('reading replies needs no verified keys: the worker checks words with libsodium alone', () => {
    const page = openPage();
    page.worker().say({ type: 'failed', stage: 'setup', reason: 'manifest-expired' });
    page.controller.readReplies();
    page.controller.openMailbox(TYPED);
    expect(page.worker().posted).toEqual([{ type: 'prepare-words' }, { type: 'open-mailbox', words: TYPED }]);
  });

  test.each<[Language, WorkerMessage & { type: 'words-invalid' }, string]>([
    ['en', { type: 'words-invalid', code: 'unknown-word', wordNumber: 5 }, 'Word 5 is not in the word list.'],
    ['ko', { type: 'words-invalid', code: 'unknown-word', wordNumber: 5 }, '5번째 단어가 단어 목록에 없습니다.'],
    [
      'en',
      { type: 'words-invalid', code: 'unknown-word', wordNumber: 5, list: 'ko' },
      'Word 5 is not in the Korean word list.',
    ],
    [
      'ko',
      { type: 'words-invalid', code: 'unknown-word', wordNumber: 3, list: 'ko' },
      '3번째 단어가 한국어 단어 목록에 없습니다.',
    ],
    [
      'ko',
      { type: 'words-invalid', code: 'unknown-word', wordNumber: 3, list: 'en' },
      '3번째 단어가 영어 단어 목록에 없습니다.',
    ],
    ['en', { type: 'words-invalid', code: 'checksum' }, 'The words do not check out: one may be wrong or two swapped.'],
    ['ko', { type: 'words-invalid', code: 'checksum' }, '틀린 단어가 있거나 두 단어의 순서가 바뀌었을 수 있습니다.'],
    ['en', { type: 'words-invalid', code: 'word-count' }, 'There must be exactly 12 words.'],
    ['ko', { type: 'words-invalid', code: 'mixed-language' }, '한국어 단어와 영어 단어가 섞여 있습니다.'],
  ])('in %s, %j is shown by its position, never the word; the field keeps what was typed', (language, answer, text) => {
    const page = onWordsScreen(language);
    page.controller.openMailbox(TYPED);
    page.worker().say(answer);
    const problem = page.controller.view.wordsProblem!;
    expect(page.controller.view).toMatchObject({ screen: 'words', opening: false });
    const shown = wordsProblemText(problem, (key, params) => formatMessage(language, key, params));
    expect(shown).toContain(text);
    for (const word of TYPED.split(' ')) expect(shown).not.toContain(word);
    // Kept so the source can fix word 5 rather than type all twelve again.
    expect(page.display.log).not.toContain('clear words');
    // Fixed and sent again.
    page.controller.openMailbox(`${TYPED} `);
    expect(page.worker().posted.at(-1)).toEqual({ type: 'open-mailbox', words: `${TYPED} ` });
    expect(page.controller.view.wordsProblem).toBeNull();
  });

  test('progress goes to the display; the mailbox clears the field and shows the replies newest first', () => {
    const page = onWordsScreen();
    page.controller.openMailbox(TYPED);
    page.worker().say({ type: 'mailbox-progress', done: 0, total: 300 });
    page.worker().say({ type: 'mailbox-progress', done: 300, total: 300 });
    page.worker().say({
      type: 'mailbox',
      replies: [reply(REPLY_1, '2026-03-01'), reply(REPLY_2, '2026-03-09'), reply(REPLY_3, '2026-03-01')],
    });
    expect(page.display.log.slice(-4)).toEqual([
      'mailbox progress 0/300',
      'mailbox progress 300/300',
      'clear words',
      'draw mailbox',
    ]);
    expect(page.display.last).toEqual({ screen: 'mailbox', focus: true, language: 'en' });
    expect(page.controller.view.replies!.map((entry) => [entry.day, entry.id])).toEqual([
      ['2026-03-09', REPLY_2],
      ['2026-03-01', REPLY_1],
      ['2026-03-01', REPLY_3],
    ]);
    expectNoWordsHeld(page);
  });

  test('an empty mailbox (or one that never existed: the same answer) shows the mailbox with no replies', () => {
    const page = mailboxOpen([]);
    expect(page.controller.view).toMatchObject({ screen: 'mailbox', replies: [] });
    expect(formatMessage('en', 'mailbox.empty')).toBe(
      'There are no replies for these words yet. Check again in a few days. If you expected a reply, compare the words you typed with what you wrote down.',
    );
    expect(formatMessage('ko', 'mailbox.empty')).toBe(
      '이 단어로 받은 답장이 아직 없습니다. 며칠 뒤에 다시 확인하세요. 답장이 와 있어야 한다면 입력한 단어를 적어 둔 단어와 비교해 보세요.',
    );
  });

  test('a mailbox that cannot be fetched says why on the words screen; the field is kept to try again', () => {
    const page = onWordsScreen();
    page.controller.openMailbox(TYPED);
    page.worker().say({ type: 'mailbox-failed', reason: 'connection' });
    expect(page.controller.view).toMatchObject({
      screen: 'words',
      opening: false,
      wordsProblem: { kind: 'mailbox', reason: 'connection' },
      replies: null,
    });
    expect(page.display.log).not.toContain('clear words');
  });

  test('leaving the words screen clears the field; leaving while opening closes what the worker opens', () => {
    const idle = onWordsScreen();
    idle.controller.leaveWords();
    expect(idle.display.log.slice(-2)).toEqual(['clear words', 'draw compose']);
    expect(idle.worker().posted).toEqual([{ type: 'prepare-words' }]);

    const page = onWordsScreen();
    page.controller.openMailbox(TYPED);
    page.controller.leaveWords();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'close-mailbox' });
    expect(page.display.log).toContain('clear words');
    // The late answer is not shown to anyone.
    page.worker().say({ type: 'mailbox', replies: [reply(REPLY_1, '2026-03-01')] });
    expect(page.controller.view).toMatchObject({ screen: 'compose', replies: null });
  });

  test('quick exit on the words screen clears the field, stops the worker and leaves', () => {
    const page = onWordsScreen();
    page.controller.openMailbox(TYPED);
    page.controller.quickExit();
    expect(page.display.log.at(-1)).toBe('clear words');
    expect(page.worker().terminated).toBe(true);
    expect(page.ports).toEqual(['leave']);
  });

  test('quick exit on the mailbox drops the replies with the worker', () => {
    const page = mailboxOpen([reply(REPLY_1, '2026-03-01')]);
    page.controller.escapePressed(10_000);
    page.controller.escapePressed(10_400);
    expect(page.worker().terminated).toBe(true);
    expect(page.controller.view).toMatchObject({ replies: null, followUp: false, workerRunning: false });
    expect(page.ports).toEqual(['leave']);
  });

  test('leaving the page (pagehide, maybe into the back-forward cache) clears the field and closes the mailbox', () => {
    const words = onWordsScreen();
    words.controller.pageHidden();
    expect(words.display.log.at(-1)).toBe('clear words');
    expect(words.worker().posted).toEqual([{ type: 'prepare-words' }]);
    const page = mailboxOpen([reply(REPLY_1, '2026-03-01')]);
    page.controller.pageHidden();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'close-mailbox' });
    expect(page.controller.view).toMatchObject({ screen: 'compose', replies: null, followUp: false });
  });

  test('a worker that dies with the mailbox open takes it along: the words screen says to reload', () => {
    const page = mailboxOpen([reply(REPLY_1, '2026-03-01')]);
    page.worker().crash();
    expect(page.controller.view).toMatchObject({
      screen: 'words',
      replies: null,
      wordsProblem: { kind: 'worker' },
      workerRunning: false,
    });
    page.controller.openMailbox(TYPED);
    expect(page.worker().posted).toEqual([{ type: 'prepare-words' }, { type: 'open-mailbox', words: TYPED }]);
  });

  test('the WebAssembly worker failing while words are with it: the no-WebAssembly one asks for them again', () => {
    const page = openPage();
    page.controller.readReplies();
    page.controller.openMailbox(TYPED);
    page.worker().say({ type: 'failed', stage: 'setup', reason: 'crypto' });
    expect(page.workers.map((worker) => worker.file)).toEqual([WASM_WORKER, NO_WASM_WORKER]);
    expect(page.controller.view).toMatchObject({
      screen: 'words',
      opening: false,
      wordsProblem: { kind: 'mailbox', reason: 'internal' },
    });
  });
});

describe('deleting replies', () => {
  test('delete asks first; "deleted" is said only once the worker reports the server confirmed it', () => {
    const page = mailboxOpen([reply(REPLY_1, '2026-03-02'), reply(REPLY_2, '2026-03-01')]);
    page.controller.askDelete({ kind: 'one', id: REPLY_2 });
    expect(page.controller.view.confirmingDelete).toEqual({ kind: 'one', id: REPLY_2 });
    expect(page.worker().posted.at(-1)).toEqual({ type: 'open-mailbox', words: TYPED });
    page.controller.confirmDelete();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'delete-replies', ids: [REPLY_2] });
    // Asked, not confirmed: still listed, no notice.
    expect(page.controller.view).toMatchObject({ deleting: [REPLY_2], deleteNotice: null, confirmingDelete: null });
    expect(page.controller.view.replies!.map((entry) => entry.id)).toEqual([REPLY_1, REPLY_2]);
    page.worker().say({ type: 'reply-deleted', id: REPLY_2 });
    expect(page.controller.view).toMatchObject({ deleting: [], deleteNotice: { kind: 'deleted', count: 1 } });
    expect(page.controller.view.replies!.map((entry) => entry.id)).toEqual([REPLY_1]);
    expect(page.display.last).toEqual({ screen: 'mailbox', focus: false, language: 'en' });
  });

  test('a file is asked of the worker once; its progress, then its checked Blob or failure, are kept per file', () => {
    const page = mailboxOpen([reply(REPLY_1, '2026-03-02')]);
    page.controller.openFile(REPLY_1, 1);
    expect(page.worker().posted.at(-1)).toEqual({ type: 'save-file', id: REPLY_1, file: 1 });
    // Pressed again while it decrypts: nothing more is asked.
    page.controller.openFile(REPLY_1, 1);
    expect(page.worker().posted.filter((message) => message.type === 'save-file')).toHaveLength(1);
    const key = fileSaveKey(REPLY_1, 1);
    expect(page.controller.view.fileSaves.get(key)).toEqual({ state: 'opening', done: 0, total: 0 });
    page.worker().say({ type: 'file-progress', id: REPLY_1, file: 1, done: 5, total: 10 });
    expect(page.controller.view.fileSaves.get(key)).toEqual({ state: 'opening', done: 5, total: 10 });
    const blob = new Blob(['checked']);
    page.worker().say({ type: 'file-ready', id: REPLY_1, file: 1, blob });
    expect(page.controller.view.fileSaves.get(key)).toEqual({ state: 'ready', blob });
    // A late answer for a file no longer opening changes nothing.
    page.worker().say({ type: 'file-failed', id: REPLY_1, file: 1, reason: 'damaged' });
    expect(page.controller.view.fileSaves.get(key)).toEqual({ state: 'ready', blob });
    page.controller.openFile(REPLY_1, 0);
    page.worker().say({ type: 'file-failed', id: REPLY_1, file: 0, reason: 'damaged' });
    expect(page.controller.view.fileSaves.get(fileSaveKey(REPLY_1, 0))).toEqual({ state: 'failed', reason: 'damaged' });
    expect(page.display.last).toEqual({ screen: 'mailbox', focus: false, language: 'en' });
    // Closing the mailbox drops every opened file, and answers still on their way are ignored.
    page.controller.openFile(REPLY_1, 2);
    page.controller.closeMailbox();
    expect(page.controller.view.fileSaves.size).toBe(0);
    page.worker().say({ type: 'file-ready', id: REPLY_1, file: 2, blob });
    expect(page.controller.view.fileSaves.size).toBe(0);
  });

  test('"keep" asks nothing of the worker', () => {
    const page = mailboxOpen([reply(REPLY_1, '2026-03-02')]);
    const posted = page.worker().posted.length;
    page.controller.askDelete({ kind: 'one', id: REPLY_1 });
    page.controller.cancelDelete();
    page.controller.confirmDelete();
    expect(page.worker().posted).toHaveLength(posted);
    expect(page.controller.view.replies).toHaveLength(1);
  });

  test('delete all asks for every reply and counts each confirmation; a failure stops and says why', () => {
    const page = mailboxOpen([
      reply(REPLY_1, '2026-03-03'),
      reply(REPLY_2, '2026-03-02'),
      reply(REPLY_3, '2026-03-01'),
    ]);
    page.controller.askDelete({ kind: 'all' });
    page.controller.confirmDelete();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'delete-replies', ids: [REPLY_1, REPLY_2, REPLY_3] });
    // No second deletion while one runs.
    page.controller.askDelete({ kind: 'one', id: REPLY_3 });
    expect(page.controller.view.confirmingDelete).toBeNull();
    page.worker().say({ type: 'reply-deleted', id: REPLY_1 });
    page.worker().say({ type: 'reply-deleted', id: REPLY_2 });
    expect(page.controller.view.deleteNotice).toEqual({ kind: 'deleted', count: 2 });
    page.worker().say({ type: 'delete-failed', id: REPLY_3, reason: 'connection' });
    expect(page.controller.view).toMatchObject({
      deleting: [],
      deleteNotice: { kind: 'failed', reason: 'connection' },
    });
    // Not confirmed gone, so still shown.
    expect(page.controller.view.replies!.map((entry) => entry.id)).toEqual([REPLY_3]);
  });
});

describe('writing back', () => {
  test('a follow-up is composed without new words and sent with the mailbox reply address', () => {
    const page = mailboxOpen([reply(REPLY_1, '2026-03-01')]);
    page.controller.writeBack();
    expect(page.display.last).toEqual({ screen: 'compose', focus: true, language: 'en' });
    expect(page.controller.view).toMatchObject({ followUp: true, message: '', files: [], reply: false });
    page.controller.editMessage('more details');
    expect(page.controller.submit()).toBe('accepted');
    expect(page.display.log.slice(-2)).toEqual(['reset progress', 'draw progress']);
    expect(page.worker().posted.at(-1)).toEqual({ type: 'send', message: 'more details', files: [], reply: 'mailbox' });
    expect(page.worker().posted.filter((message) => message.type === 'secret')).toEqual([]);
    page.worker().say({ type: 'created', id: UPLOAD_ID });
    page.worker().say({ type: 'done' });
    expect(page.controller.view).toMatchObject({ screen: 'done', followUp: true });
    page.controller.returnToMailbox();
    expect(page.controller.view).toMatchObject({ screen: 'mailbox', followUp: false, message: '' });
    expect(page.controller.view.replies).toHaveLength(1);
  });

  test('a follow-up needs verified keys and a message, like a first submission', () => {
    const page = openPage();
    page.controller.readReplies();
    page.controller.openMailbox(TYPED);
    page.worker().say({ type: 'mailbox', replies: [] });
    page.controller.writeBack();
    page.controller.editMessage('x');
    expect(page.controller.submit()).toBe('unavailable');
    keysVerified(page);
    page.controller.editMessage(' ');
    expect(page.controller.submit()).toBe('empty');
  });

  test('a failed follow-up leads back to the follow-up form, not a first submission', () => {
    const page = mailboxOpen([]);
    page.controller.writeBack();
    page.controller.editMessage('again');
    page.controller.submit();
    page.worker().say({ type: 'failed', stage: 'send', reason: 'connection' });
    page.controller.returnToCompose();
    expect(page.controller.view).toMatchObject({ screen: 'compose', followUp: true, message: 'again' });
  });

  test('closing the mailbox has the worker wipe the secret and the page drop the replies', () => {
    const page = mailboxOpen([reply(REPLY_1, '2026-03-01')]);
    page.controller.closeMailbox();
    expect(page.worker().posted.at(-1)).toEqual({ type: 'close-mailbox' });
    expect(page.controller.view).toMatchObject({ screen: 'compose', replies: null, followUp: false });
    // Nothing to return to or write back in.
    page.controller.returnToMailbox();
    page.controller.writeBack();
    expect(page.controller.view).toMatchObject({ screen: 'compose', followUp: false });
  });
});
