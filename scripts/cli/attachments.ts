/**
 * Files an editor attaches to a reply (`--attach FILE`): each a regular file,
 * listed under its own base name with a type guessed from its extension (the
 * source's page shows the type as a hint and never trusts it), and read from
 * disk only while the reply is being encrypted, in bounded memory.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_FILE_TYPE, type SubmissionFileInput } from '../../client/core/submission.js';
import { readFileChunks } from './file-chunks.js';
import { CliError } from './io.js';

/** Types for the files newsrooms send most; anything else is DEFAULT_FILE_TYPE. */
const TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.txt': 'text/plain',
  '.pdf': 'application/pdf',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.zip': 'application/zip',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/** The type a reply lists for a file of this name. */
export function typeFromName(name: string): string {
  return TYPES_BY_EXTENSION[path.extname(name).toLowerCase()] ?? DEFAULT_FILE_TYPE;
}

/** An attachment and where it is read from. */
export interface Attachment extends SubmissionFileInput {
  readonly file: string;
}

/**
 * Describe each file to attach; its bytes are read when `data` is iterated.
 * @throws CliError naming a file that is missing or not a regular file.
 */
export async function openAttachments(files: readonly string[]): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const file of files) {
    let stats;
    try {
      stats = await stat(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(`--attach ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'cannot read')}`);
    }
    if (!stats.isFile()) throw new CliError(`--attach ${file}: not a regular file`);
    const name = path.basename(file);
    out.push({ file, name, type: typeFromName(name), size: stats.size, data: readFileChunks(file) });
  }
  return out;
}
