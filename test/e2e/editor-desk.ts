/**
 * The editor's side of an end-to-end conversation, as a newsroom runs it:
 * the real `sealdrop` commands (in-process, as test/cli does), on the demo
 * newsroom's keys. `pull` and `push` talk to the portal's editor listener;
 * `decrypt`, `conversations` and `reply` work on local folders only.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE_NAME } from '../../client/core/manifest.js';
import { sealdropOk } from '../cli/support.js';
import type { Portal } from './support.js';

export class EditorDesk {
  readonly #portal: Portal;
  readonly #root: string;
  readonly inbox: string;
  readonly decrypted: string;
  readonly outbox: string;

  private constructor(portal: Portal, root: string) {
    this.#portal = portal;
    this.#root = root;
    this.inbox = path.join(root, 'inbox');
    this.decrypted = path.join(root, 'decrypted');
    this.outbox = path.join(root, 'outbox');
  }

  static async open(portal: Portal): Promise<EditorDesk> {
    const desk = new EditorDesk(portal, path.join(portal.root, 'editor-desk'));
    for (const folder of [desk.inbox, desk.decrypted, desk.outbox]) await mkdir(folder, { recursive: true });
    return desk;
  }

  #online(): string[] {
    return ['--server', this.#portal.server.editorUrl, '--access-key', this.#portal.newsroom.accessKeyFile];
  }

  /** `sealdrop pull`, then `sealdrop decrypt` of what arrived; the new folders and decrypt's report. */
  async pullAndDecrypt(): Promise<{ folders: string[]; report: string }> {
    const before = new Set(await readdir(this.inbox));
    await sealdropOk(['pull', ...this.#online(), '--out', this.inbox]);
    const arrived = (await readdir(this.inbox)).filter((name) => name.endsWith('.age') && !before.has(name));
    const foldersBefore = new Set(await readdir(this.decrypted));
    const decrypt = await sealdropOk([
      'decrypt',
      '--identity',
      this.#portal.newsroom.identityFile,
      '--out',
      this.decrypted,
      ...arrived.map((name) => path.join(this.inbox, name)),
    ]);
    const folders = (await readdir(this.decrypted)).filter((name) => !foldersBefore.has(name));
    return { folders: folders.map((name) => path.join(this.decrypted, name)), report: decrypt.stdout };
  }

  /**
   * `sealdrop reply FOLDER` with the message on standard input and the
   * attachments written to disk under their names first.
   * @returns the reply's id (from the outbox file name `<mailbox>-<reply>.age`).
   */
  async reply(folder: string, message: string, attachments: { name: string; bytes: Uint8Array }[]): Promise<string> {
    const files = path.join(this.#root, `attachments-${Date.now()}`);
    await mkdir(files);
    const attach: string[] = [];
    for (const file of attachments) {
      await writeFile(path.join(files, file.name), file.bytes);
      attach.push('--attach', path.join(files, file.name));
    }
    const before = new Set(await readdir(this.outbox));
    const keys = this.#portal.newsroom.keysDir;
    await sealdropOk(
      [
        'reply',
        folder,
        '--message-file',
        '-',
        ...attach,
        '--manifest',
        path.join(keys, MANIFEST_FILE_NAME),
        '--root-pub',
        this.#portal.newsroom.rootPublicKeyFile,
        '--out',
        this.outbox,
      ],
      { stdin: message },
    );
    const [written] = (await readdir(this.outbox)).filter((name) => !before.has(name));
    const match = /^[0-9a-f]{32}-([0-9a-f]{32})\.age$/.exec(written ?? '');
    if (match === null) throw new Error(`sealdrop reply wrote no outbox file (${String(written)})`);
    return match[1]!;
  }

  /** `sealdrop push` of the outbox: what it reported. */
  async push(): Promise<string> {
    return (await sealdropOk(['push', ...this.#online(), this.outbox])).stdout;
  }

  /** `sealdrop replies FOLDER`: each reply's state, as printed. */
  async replies(folder: string): Promise<string> {
    return (await sealdropOk(['replies', ...this.#online(), folder])).stdout;
  }

  /** `sealdrop conversations` over every decrypted folder. */
  async conversations(): Promise<string> {
    return (await sealdropOk(['conversations', this.decrypted])).stdout;
  }
}
