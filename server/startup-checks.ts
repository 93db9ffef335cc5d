/**
 * The checks the server runs on its folders and listeners before it serves
 * anyone, each turning what the operating system says into one line that
 * names the setting and what to do. An admin reading `sealdrop server: ...`
 * in a service log should never need a stack trace or Node's errno table.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigVariable } from './config.js';

/** The server refuses to start; the message (one line) names the setting and what to fix. */
export class StartupError extends Error {
  override name = 'StartupError';
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** What to do about a folder the server's user cannot write, by errno. */
function unwritable(setting: ConfigVariable, directory: string, code: string | undefined): StartupError {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new StartupError(
        `${setting}: ${directory} is not writable by this user (permission denied); ` +
          "give the server's user write access to it, or choose another folder",
      );
    case 'EROFS':
      return new StartupError(
        `${setting}: ${directory} is on a read-only file system; choose a folder on a writable one`,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new StartupError(`${setting}: ${directory} has no space left; free some or choose another folder`);
    case 'ENOTDIR':
    case 'EEXIST':
      return new StartupError(
        `${setting}: ${directory} is not a folder (a file is in the way); point ${setting} at a folder`,
      );
    default:
      return new StartupError(`${setting}: cannot write in ${directory} (${code ?? 'unknown error'})`);
  }
}

/**
 * The data folder exists (created if missing) and is a folder this process
 * can create and remove files in: checked by doing it, with a probe file,
 * since permission bits, ACLs, read-only mounts and quotas all decide it.
 * @throws StartupError naming SEALDROP_DATA_DIR.
 */
export async function checkDataDir(directory: string): Promise<void> {
  const setting = 'SEALDROP_DATA_DIR';
  let info;
  try {
    info = await stat(directory);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw unwritable(setting, directory, codeOf(error));
    try {
      await mkdir(directory, { recursive: true, mode: 0o700 });
    } catch (mkdirError) {
      throw unwritable(setting, directory, codeOf(mkdirError));
    }
    info = await stat(directory);
  }
  if (!info.isDirectory()) {
    throw new StartupError(`${setting}: ${directory} is a file, not a folder; point ${setting} at a folder`);
  }
  // Random name: two servers wrongly sharing a folder must not remove each other's probe.
  const probe = path.join(directory, `.write-probe-${randomBytes(8).toString('hex')}`);
  try {
    await writeFile(probe, '', { flag: 'wx', mode: 0o600 });
    await unlink(probe);
  } catch (error) {
    throw unwritable(setting, directory, codeOf(error));
  }
}

/**
 * A folder the server only reads (keys, static client) exists and is a folder.
 * @param hint what to do if it is missing, e.g. how to create it.
 * @throws StartupError naming `setting`.
 */
export async function checkReadableDir(setting: ConfigVariable, directory: string, hint: string): Promise<void> {
  let info;
  try {
    info = await stat(directory);
  } catch (error) {
    const code = codeOf(error);
    const what = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`;
    throw new StartupError(`${setting}: ${directory} ${what}; ${hint}`);
  }
  if (!info.isDirectory()) throw new StartupError(`${setting}: ${directory} is a file, not a folder; ${hint}`);
}

/** Which settings place one listener. */
export interface ListenerSettings {
  readonly host: ConfigVariable;
  readonly port: ConfigVariable;
}

/**
 * The one-line explanation of why a listener could not open, or `null` for
 * an error that is not about the address (left to the caller).
 */
export function listenFailure(
  settings: ListenerSettings,
  host: string,
  port: number,
  error: unknown,
): StartupError | null {
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (codeOf(error)) {
    case 'EADDRINUSE':
      return new StartupError(
        `${settings.port}: ${address} is already in use; stop the other process or choose another port`,
      );
    case 'EACCES':
    case 'EPERM':
      return new StartupError(
        `${settings.port}: ${address}: permission denied (ports below 1024 need privileges); ` +
          'choose a port above 1023 and let Tor forward to it',
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `${settings.host}: ${host} is not an address of this machine; use 127.0.0.1 (Tor connects over loopback)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`${settings.host}: cannot resolve ${host}; use an IP address such as 127.0.0.1`);
    default:
      return null;
  }
}
