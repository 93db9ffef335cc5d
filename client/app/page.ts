/**
 * The source's page, wired to the browser: the controller (controller.ts)
 * with its real ports: the DOM display, the encryption worker (worker.ts,
 * where all cryptography runs), the URL, quick exit's last request and
 * leaving. {@link startPage} is called by the bundle's entry (main.ts).
 */
import { PageController, type EncryptionWorker, type PagePorts, type WorkerListener } from './controller.js';
import { PageDisplay } from './display.js';
import { fetchSetUpFiles } from './early-fetch.js';
import { chooseLanguage, type Language } from './i18n/catalog.js';
import type { PageMessage, WorkerMessage } from './protocol.js';
import { SET_UP_FILES } from './set-up-files.js';
import { uploadRoute } from './upload-routes.js';

/**
 * Starts the worker and fetches its set-up files for it at once
 * (early-fetch.ts): they travel while the worker's script downloads.
 * @throws whatever `new Worker` throws when the browser cannot start one.
 */
function startWorker(file: string, listener: WorkerListener): EncryptionWorker {
  const setUpFiles = fetchSetUpFiles(
    (url, init) => fetch(url, init),
    // Relative to the page, which lives beside the worker.
    SET_UP_FILES.map((name) => new URL(name, location.href).href),
  );
  const worker = new Worker(file, { name: 'sealdrop-encryption' });
  void setUpFiles.then((files) => {
    worker.postMessage(
      { type: 'set-up-files', files } satisfies PageMessage,
      files.map((setUp) => setUp.body),
    );
  });
  worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
    listener.message(event.data);
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    listener.crashed();
  });
  return {
    post: (message: PageMessage) => {
      worker.postMessage(message);
    },
    terminate: () => {
      worker.terminate();
    },
  };
}

function keepLanguage(language: Language): void {
  // In the URL, not in storage: a reload keeps the language, the device keeps nothing.
  const url = new URL(location.href);
  url.searchParams.set('lang', language);
  history.replaceState(null, '', url.pathname + url.search);
}

function discardUpload(id: string): void {
  // keepalive: the request outlives the page, which is about to go.
  void fetch(uploadRoute(id), { method: 'DELETE', keepalive: true, credentials: 'omit' }).catch(() => undefined);
}

function leave(): void {
  document.body.replaceChildren();
  document.title = '';
  // Replaces this page in the history, so Back does not return to it.
  location.replace('about:blank');
}

/** Builds the page in `document.body` and starts the worker. */
export function startPage(): void {
  const display = new PageDisplay();
  const ports: PagePorts = {
    display,
    startWorker,
    keepLanguage,
    discardUpload,
    leave,
    reload: () => {
      location.reload();
    },
  };
  const controller = new PageController(ports, {
    language: chooseLanguage(location.search, navigator.languages),
    webAssembly: typeof WebAssembly === 'object',
  });
  display.mount(document.body, controller);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') controller.escapePressed(performance.now());
  });
  addEventListener('pagehide', () => {
    controller.pageHidden();
  });
  controller.start();
}
