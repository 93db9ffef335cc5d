/**
 * The warning for a secret file other users of the machine can reach: a
 * passphrase file or an identity file whose mode lets its group or everyone
 * read (or write) it. Not fatal: the file may sit on a single-user machine
 * or a volume that ignores modes, but the person should know and fix it.
 */
import { stat } from 'node:fs/promises';
import type { TextSink } from './io.js';

/** Mode bits that give anyone but the owner access. */
const OTHERS_BITS = 0o077;

/**
 * Write one warning line to `stderr` if `file`'s mode gives its group or
 * others any access. Silent if the file cannot be examined: the read that
 * follows reports that.
 * @param what what the file is, e.g. `passphrase file`.
 */
export async function warnIfExposed(file: string, what: string, stderr: TextSink): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch {
    return;
  }
  if ((mode & OTHERS_BITS) === 0) return;
  const octal = (mode & 0o777).toString(8).padStart(3, '0');
  stderr.write(`warning: ${what} ${file} is open to other users (mode ${octal}): chmod 600 it\n`);
}
