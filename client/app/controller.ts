/**
 * The page's controller: holds the state, takes in the encryption worker's
 * messages and the screens' events, and moves between screens. It touches
 * no DOM and no browser API itself: drawing, the worker and leaving the page
 * are ports ({@link PagePorts}) that page.ts gives it, so tests can fake them.
 *
 * Nothing is stored on the device: no cookies, web storage, IndexedDB,
 * caches or service workers. The language lives in the URL (`?lang=ko`).
 * A returning source's 12 words pass through {@link PageController.openMailbox}
 * to the worker and are not kept here; the field they were typed in is
 * cleared as soon as the mailbox opens, the source leaves, or quick exit.
 */
import type { Language } from './i18n/catalog.js';
import type {
  DeleteNotice,
  DeleteTarget,
  FileSave,
  KeyStatus,
  PageEvents,
  PageView,
  ScreenName,
  SubmitOutcome,
  WordsProblem,
} from './page-state.js';
import { fileSaveKey } from './page-state.js';
import type {
  CancelOutcome,
  FailureReason,
  MailboxReply,
  PageMessage,
  ReplyChoice,
  RestartReason,
  WorkerMessage,
} from './protocol.js';

/** The worker bundles (scripts/build-client.ts): with libsodium's WebAssembly, and without. */
export const WASM_WORKER = 'worker.js';
export const NO_WASM_WORKER = 'worker-nowasm.js';

/** Two presses of Escape within this time leave the page. */
const ESCAPE_WINDOW_MS = 1000;

/** Draws the page; the real one is display.ts. */
export interface Display {
  /** Draws the fixed parts and `view.screen` anew; with `focus`, moves focus to the screen's heading. */
  render(view: PageView, events: PageEvents, focus: boolean): void;
  /** Readies the progress screen for a new send: bar indeterminate, no rate, no notice. */
  resetProgress(): void;
  /** The worker reports `sent` of `total` bytes stored. */
  showProgress(sent: number, total: number): void;
  /** A request failed; the next try is in `nextTryInMs` (a countdown, no stale rate). */
  showRetrying(nextTryInMs: number): void;
  /** The send starts again from the start, for `reason`: bar and estimate start afresh. */
  showRestarting(reason: RestartReason): void;
  /** Cancel was pressed: waiting for the server to confirm the deletion. */
  showCancelling(): void;
  /** Keyboard focus back on the language switch (after switching). */
  focusLanguageSwitch(): void;
  /** The worker reports `done` of `total` bytes of the mailbox fetched. */
  showMailboxProgress(done: number, total: number): void;
  /** Empties the words field, so the words are on screen no longer than needed. */
  clearWordsField(): void;
}

/** The encryption worker, as the page talks to it. */
export interface EncryptionWorker {
  post(message: PageMessage): void;
  terminate(): void;
}

export interface WorkerListener {
  message(message: WorkerMessage): void;
  /** The worker died (an uncaught error, a script that would not load). */
  crashed(): void;
}

/** Everything outside the controller it acts on. */
export interface PagePorts {
  readonly display: Display;
  /**
   * Starts the worker bundle `file`.
   * @throws if the browser cannot start a worker.
   */
  startWorker(file: string, listener: WorkerListener): EncryptionWorker;
  /** Puts the language in the URL, so a reload keeps it and the device keeps nothing. */
  keepLanguage(language: Language): void;
  /** Deletes a partial upload, best effort, even as the page goes away. */
  discardUpload(id: string): void;
  /** Empties the page and replaces it in the history, so Back does not return to it. */
  leave(): void;
  reload(): void;
}

export interface ControllerOptions {
  readonly language: Language;
  /** Whether the browser has WebAssembly: which worker bundle to try first. */
  readonly webAssembly: boolean;
}

interface PageState {
  language: Language;
  screen: ScreenName;
  fingerprint: string | null;
  keys: KeyStatus;
  message: string;
  files: File[];
  reply: boolean;
  words: readonly string[] | null;
  wordsRenewed: boolean;
  failure: FailureReason | null;
  cancelling: boolean;
  cancelled: CancelOutcome | null;
  workerRunning: boolean;
  /** The upload in progress, deleted on quick exit. */
  uploadId: string | null;
  /** The worker file in use, so a failed WebAssembly start can fall back once. */
  workerFile: string;
  followUp: boolean;
  opening: boolean;
  wordsProblem: WordsProblem | null;
  replies: MailboxReply[] | null;
  deleting: string[];
  confirmingDelete: DeleteTarget | null;
  deleteNotice: DeleteNotice | null;
  fileSaves: Map<string, FileSave>;
}

/**
 * Newest day first; replies of the same day keep the order they came in
 * (the server's, by id). Days are `YYYY-MM-DD`, so text order is date order.
 */
export function newestFirst(replies: readonly MailboxReply[]): MailboxReply[] {
  return replies
    .map((reply, index) => ({ reply, index }))
    .sort((a, b) => (a.reply.day === b.reply.day ? a.index - b.index : a.reply.day < b.reply.day ? 1 : -1))
    .map(({ reply }) => reply);
}

/** The page's state and the moves between its screens. */
export class PageController implements PageEvents {
  readonly #ports: PagePorts;
  readonly #state: PageState;
  #worker: EncryptionWorker | null = null;
  #lastEscape = Number.NEGATIVE_INFINITY; // a first press is never the second of a pair
  /**
   * Secret requests posted and not yet answered. The worker answers them in
   * order, so only the last answer shows the secret it holds: earlier ones
   * (the old words, in a language switch's race with "make new words") are
   * dropped, never shown for the source to copy.
   */
  #secretAnswersAwaited = 0;

  constructor(ports: PagePorts, options: ControllerOptions) {
    this.#ports = ports;
    this.#state = {
      language: options.language,
      screen: 'compose',
      fingerprint: null,
      keys: { state: 'checking' },
      message: '',
      files: [],
      reply: false,
      words: null,
      wordsRenewed: false,
      failure: null,
      cancelling: false,
      cancelled: null,
      workerRunning: false,
      uploadId: null,
      workerFile: options.webAssembly ? WASM_WORKER : NO_WASM_WORKER,
      followUp: false,
      opening: false,
      wordsProblem: null,
      replies: null,
      deleting: [],
      confirmingDelete: null,
      deleteNotice: null,
      fileSaves: new Map(),
    };
  }

  /** The state, read-only: what the screens draw. */
  get view(): PageView {
    return this.#state;
  }

  /** Draws the first screen and starts the worker, which checks the keys. */
  start(): void {
    this.#render(false);
    this.#startWorker();
  }

  // Screens' events -----------------------------------------------------------

  editMessage(message: string): void {
    this.#state.message = message;
  }

  addFiles(files: readonly File[]): void {
    this.#state.files.push(...files);
  }

  removeFile(index: number): void {
    this.#state.files.splice(index, 1);
  }

  chooseReply(wanted: boolean): void {
    this.#state.reply = wanted;
    if (!wanted) {
      // No replies wanted: no secret may exist.
      this.#state.words = null;
      this.#state.wordsRenewed = false;
      this.#post({ type: 'forget-secret' });
    }
  }

  submit(): SubmitOutcome {
    const state = this.#state;
    if (state.keys.state !== 'ready') return 'unavailable';
    if (state.message.trim() === '' && state.files.length === 0) return 'empty';
    if (state.followUp) {
      this.#startSending();
    } else if (state.reply) {
      if (state.words === null) this.#askSecret('secret');
      this.#show('secret');
    } else {
      this.#startSending();
    }
    return 'accepted';
  }

  makeNewWords(): void {
    const state = this.#state;
    // Only words on screen can be replaced; while the worker answers, a press does nothing.
    if (state.screen !== 'secret' || state.words === null || !state.workerRunning) return;
    state.words = null;
    state.wordsRenewed = true;
    this.#askSecret('new-secret');
    this.#render(false);
  }

  sendWithSecret(): void {
    if (this.#state.words !== null) this.#startSending();
  }

  cancelSend(): void {
    const state = this.#state;
    if (state.screen !== 'progress' || state.cancelling) return;
    // "Deleted" only once the worker reports the server's answer.
    state.cancelling = true;
    this.#post({ type: 'cancel' });
    this.#ports.display.showCancelling();
  }

  retryNow(): void {
    if (this.#state.screen === 'progress' && !this.#state.cancelling) this.#post({ type: 'retry-now' });
  }

  returnToCompose(): void {
    this.#show('compose');
  }

  sendAnother(): void {
    this.#resetDraft();
    this.#show('compose');
  }

  reload(): void {
    this.#ports.reload();
  }

  // The returning source: words, mailbox, follow-ups --------------------------

  readReplies(): void {
    this.#state.wordsProblem = null;
    if (this.#state.workerRunning) this.#post({ type: 'prepare-words' });
    this.#show('words');
  }

  openMailbox(words: string): void {
    const state = this.#state;
    if (state.screen !== 'words' || state.opening || !state.workerRunning) return;
    state.opening = true;
    state.wordsProblem = null;
    this.#post({ type: 'open-mailbox', words });
    this.#render(false);
  }

  leaveWords(): void {
    const state = this.#state;
    this.#ports.display.clearWordsField();
    state.wordsProblem = null;
    // An answer still on its way opens a mailbox nobody looks at: close it at once.
    if (state.opening) this.#post({ type: 'close-mailbox' });
    state.opening = false;
    this.#show('compose');
  }

  askDelete(target: DeleteTarget): void {
    if (this.#state.deleting.length > 0) return;
    this.#state.confirmingDelete = target;
    this.#render(false);
  }

  cancelDelete(): void {
    this.#state.confirmingDelete = null;
    this.#render(false);
  }

  confirmDelete(): void {
    const state = this.#state;
    const target = state.confirmingDelete;
    if (target === null || state.replies === null || state.deleting.length > 0) return;
    const ids = target.kind === 'all' ? state.replies.map((reply) => reply.id) : [target.id];
    state.confirmingDelete = null;
    state.deleting = ids;
    state.deleteNotice = null;
    // Said "deleted" only once the worker reports the server's answer.
    this.#post({ type: 'delete-replies', ids });
    this.#render(false);
  }

  openFile(id: string, index: number): void {
    const state = this.#state;
    const key = fileSaveKey(id, index);
    const current = state.fileSaves.get(key);
    if (state.replies === null || current?.state === 'opening' || current?.state === 'ready') return;
    state.fileSaves.set(key, { state: 'opening', done: 0, total: 0 });
    this.#post({ type: 'save-file', id, file: index });
    this.#render(false);
  }

  writeBack(): void {
    if (this.#state.replies === null) return;
    this.#resetDraft();
    this.#state.followUp = true;
    this.#show('compose');
  }

  returnToMailbox(): void {
    const state = this.#state;
    if (state.replies === null) return;
    this.#resetDraft();
    state.followUp = false;
    this.#show('mailbox');
  }

  closeMailbox(): void {
    this.#post({ type: 'close-mailbox' });
    this.#forgetMailbox();
    this.#resetDraft();
    this.#show('compose');
  }

  // The fixed parts: language and quick exit -----------------------------------

  switchLanguage(): void {
    const state = this.#state;
    state.language = state.language === 'en' ? 'ko' : 'en';
    this.#ports.keepLanguage(state.language);
    // The secret's words follow the language; the secret itself does not change.
    if (state.words !== null || this.#secretAnswersAwaited > 0) this.#askSecret('secret');
    this.#render(false);
    this.#ports.display.focusLanguageSwitch();
  }

  /**
   * Leave at once: stop the worker (its keys and secret die with it), delete
   * any partial upload, drop everything typed, and leave the page.
   */
  quickExit(): void {
    this.#stopWorker();
    if (this.#state.uploadId !== null) this.#ports.discardUpload(this.#state.uploadId);
    this.#ports.display.clearWordsField();
    this.#resetDraft();
    this.#forgetMailbox();
    this.#ports.leave();
  }

  /**
   * The page is being left (`pagehide`): a browser may keep it in its
   * back-forward cache, so the words and an open mailbox do not wait there.
   */
  pageHidden(): void {
    const state = this.#state;
    this.#ports.display.clearWordsField();
    if (state.replies === null && !state.opening) return;
    this.#post({ type: 'close-mailbox' });
    this.#forgetMailbox();
    this.#resetDraft();
    state.screen = 'compose';
    this.#render(false);
  }

  /** Escape was pressed at `nowMs`; twice within a second is a quick exit. */
  escapePressed(nowMs: number): void {
    if (nowMs - this.#lastEscape <= ESCAPE_WINDOW_MS) this.quickExit();
    this.#lastEscape = nowMs;
  }

  // The worker -----------------------------------------------------------------

  #startWorker(): void {
    try {
      this.#worker = this.#ports.startWorker(this.#state.workerFile, {
        message: (message) => {
          this.#onWorkerMessage(message);
        },
        crashed: () => {
          this.#workerFailed('worker');
        },
      });
      this.#state.workerRunning = true;
    } catch {
      this.#worker = null;
      this.#state.workerRunning = false;
      this.#setKeys({ state: 'failed', reason: 'worker' });
    }
  }

  #stopWorker(): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#state.workerRunning = false;
    // A gone worker answers nothing more.
    this.#secretAnswersAwaited = 0;
  }

  /** Asks the worker for the secret's words (`new-secret`: for a fresh secret) in the page's language. */
  #askSecret(type: 'secret' | 'new-secret'): void {
    if (this.#worker === null) return;
    this.#secretAnswersAwaited += 1;
    this.#post({ type, language: this.#state.language });
  }

  #post(message: PageMessage): void {
    this.#worker?.post(message);
  }

  #workerFailed(reason: FailureReason): void {
    const state = this.#state;
    this.#stopWorker();
    if (state.screen === 'words' || state.screen === 'mailbox') {
      // The mailbox died with the worker: say so where the source is reading.
      this.#forgetMailbox();
      state.wordsProblem = { kind: 'worker' };
      this.#show('words');
    } else if (state.screen === 'progress' || state.screen === 'secret') {
      this.#fail(reason);
    }
    this.#setKeys({ state: 'failed', reason });
  }

  /** The page's side of closing a mailbox: replies, follow-up mode and deletions dropped. */
  #forgetMailbox(): void {
    const state = this.#state;
    state.replies = null;
    state.followUp = false;
    state.opening = false;
    state.deleting = [];
    state.confirmingDelete = null;
    state.deleteNotice = null;
    state.fileSaves.clear();
  }

  #onWorkerMessage(message: WorkerMessage): void {
    const state = this.#state;
    switch (message.type) {
      case 'root':
        state.fingerprint = message.fingerprint;
        if (state.screen === 'compose') this.#render(false);
        break;
      case 'ready':
        this.#setKeys({ state: 'ready', expires: message.expires });
        break;
      case 'failed':
        if (message.stage === 'send') {
          // Also the worker's answer to a secret it could not make (its word
          // lists did not load): no send runs while a secret is awaited, so no
          // words answer is still to come, and the next one must be shown.
          this.#secretAnswersAwaited = 0;
          this.#fail(message.reason);
        }
        // WebAssembly that exists but cannot run (a policy, a broken engine):
        // the pure-JavaScript worker does the same work, only slower.
        else if (message.reason === 'crypto' && state.workerFile === WASM_WORKER) this.#fallBackToNoWasm();
        else if (message.reason === 'crypto' || message.reason === 'worker') this.#workerFailed(message.reason);
        // Keys that do not verify stop sending, not reading replies: the worker stays.
        else this.#setKeys({ state: 'failed', reason: message.reason });
        break;
      case 'secret':
        if (this.#secretAnswersAwaited > 0) this.#secretAnswersAwaited -= 1;
        // Words for a secret since forgotten (replies turned off) are not shown either.
        if (this.#secretAnswersAwaited > 0 || !state.reply) break;
        state.words = message.words;
        if (state.screen === 'secret') this.#render(false);
        break;
      case 'created':
        state.uploadId = message.id;
        break;
      case 'progress':
        this.#ports.display.showProgress(message.sent, message.total);
        break;
      case 'retrying':
        this.#ports.display.showRetrying(message.nextTryInMs);
        break;
      case 'restarting':
        // The server no longer holds the old upload; the next one reports its own id.
        state.uploadId = null;
        this.#ports.display.showRestarting(message.reason);
        break;
      case 'cancelled':
        state.uploadId = null;
        state.cancelling = false;
        state.cancelled = message.outcome;
        this.#show('cancelled');
        break;
      case 'done':
        state.uploadId = null;
        this.#show('done');
        break;
      case 'words-invalid':
      case 'mailbox-failed':
      case 'mailbox-progress':
      case 'mailbox':
      case 'reply-deleted':
      case 'delete-failed':
      case 'file-progress':
      case 'file-ready':
      case 'file-failed':
        this.#onMailboxMessage(message);
        break;
    }
  }

  #onMailboxMessage(message: WorkerMessage): void {
    const state = this.#state;
    switch (message.type) {
      case 'words-invalid':
        if (!state.opening) return;
        state.opening = false;
        state.wordsProblem = {
          kind: 'words',
          code: message.code,
          ...(message.wordNumber === undefined ? {} : { wordNumber: message.wordNumber }),
          ...(message.list === undefined ? {} : { list: message.list }),
        };
        this.#render(false);
        break;
      case 'mailbox-failed':
        if (!state.opening) return;
        state.opening = false;
        state.wordsProblem = { kind: 'mailbox', reason: message.reason };
        this.#render(false);
        break;
      case 'mailbox-progress':
        if (state.opening) this.#ports.display.showMailboxProgress(message.done, message.total);
        break;
      case 'mailbox':
        if (!state.opening) return;
        this.#ports.display.clearWordsField();
        state.opening = false;
        state.wordsProblem = null;
        state.replies = newestFirst(message.replies);
        this.#show('mailbox');
        break;
      case 'reply-deleted': {
        if (state.replies === null) return;
        state.replies = state.replies.filter((reply) => reply.id !== message.id);
        state.deleting = state.deleting.filter((id) => id !== message.id);
        const before = state.deleteNotice?.kind === 'deleted' ? state.deleteNotice.count : 0;
        state.deleteNotice = { kind: 'deleted', count: before + 1 };
        if (state.screen === 'mailbox') this.#render(false);
        break;
      }
      case 'delete-failed':
        if (state.replies === null) return;
        state.deleting = [];
        state.deleteNotice = { kind: 'failed', reason: message.reason };
        if (state.screen === 'mailbox') this.#render(false);
        break;
      case 'file-progress':
      case 'file-ready':
      case 'file-failed': {
        const key = fileSaveKey(message.id, message.file);
        // Only for a save asked of this mailbox and still under way.
        if (state.replies === null || state.fileSaves.get(key)?.state !== 'opening') return;
        state.fileSaves.set(
          key,
          message.type === 'file-progress'
            ? { state: 'opening', done: message.done, total: message.total }
            : message.type === 'file-ready'
              ? { state: 'ready', blob: message.blob }
              : { state: 'failed', reason: message.reason },
        );
        if (state.screen === 'mailbox') this.#render(false);
        break;
      }
      default:
        break;
    }
  }

  #fallBackToNoWasm(): void {
    const state = this.#state;
    this.#worker?.terminate();
    this.#secretAnswersAwaited = 0;
    state.workerFile = NO_WASM_WORKER;
    this.#startWorker();
    // Words handed to the worker that just went are not kept here: ask for them again.
    if (state.opening) {
      state.opening = false;
      state.wordsProblem = { kind: 'mailbox', reason: 'internal' };
      if (state.screen === 'words') this.#render(false);
    }
  }

  #setKeys(keys: KeyStatus): void {
    this.#state.keys = keys;
    if (this.#state.screen === 'compose') this.#render(false);
  }

  // Moving between screens -----------------------------------------------------

  #fail(reason: FailureReason): void {
    this.#state.failure = reason;
    this.#state.cancelling = false;
    this.#show('failed');
  }

  #startSending(): void {
    this.#state.cancelling = false;
    this.#state.cancelled = null;
    this.#ports.display.resetProgress();
    this.#show('progress');
    const { message, files, reply, followUp } = this.#state;
    const choice: ReplyChoice = followUp ? 'mailbox' : reply ? 'new' : 'none';
    this.#post({ type: 'send', message, files, reply: choice });
  }

  #resetDraft(): void {
    const state = this.#state;
    state.message = '';
    state.files = [];
    state.reply = false;
    state.words = null;
    state.wordsRenewed = false;
  }

  /** To `screen`, focus on its heading so keyboard and screen reader users start at the top of what changed. */
  #show(screen: ScreenName): void {
    this.#state.screen = screen;
    this.#render(true);
  }

  #render(focus: boolean): void {
    this.#ports.display.render(this.#state, this, focus);
  }
}
