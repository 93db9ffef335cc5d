/**
 * `sealdrop delete`: delete submissions on the server by id. The server
 * refuses to delete a submission that not every active editor has
 * downloaded (`NOT_PULLED_BY_ALL`); `--even-if-not-pulled-by-all` is the
 * explicit, per-command decision to delete it anyway, for everyone.
 */
import { flag, parseCommand, type CommandSpec } from './args.js';
import { EDITOR_CONNECTION_OPTIONS, EditorApiError, editorLogin } from './editor-client.js';
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from './io.js';
import { editorNames } from './pull.js';
import { isSubmissionId } from '../../client/core/wire-shapes.js';

const SPEC: CommandSpec = {
  name: 'delete',
  summary:
    'Log in to the editor listener with your access key and delete submissions on the server by id. A submission ' +
    'that not every active editor has downloaded is kept unless --even-if-not-pulled-by-all says otherwise.',
  usage: '--server URL --access-key FILE [--passphrase-file FILE] [--even-if-not-pulled-by-all] ID...',
  options: {
    ...EDITOR_CONNECTION_OPTIONS,
    'even-if-not-pulled-by-all': {
      type: 'boolean',
      description: 'delete even what some active editor has not downloaded yet (they lose it)',
    },
  },
  positionals: true,
  details:
    'ID is a submission id (32 hex digits, as `pull` prints and names its files; a trailing .age is accepted).\n' +
    'Each id is reported as deleted, kept (with who has not downloaded it) or not found; the exit status is 1\n' +
    'if any was not deleted. Deleting is final: the server keeps no copy (see docs/OPERATIONS.md, Deletion).',
};

/** `sealdrop delete`. */
export async function deleteCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  const force = flag(parsed, 'even-if-not-pulled-by-all');
  if (parsed.positionals.length === 0) throw new UsageError('give the id(s) to delete (see --help)', SPEC.name);
  const ids = parsed.positionals.map((text) => text.replace(/\.age$/, '').toLowerCase());
  const bad = ids.findIndex((id) => !isSubmissionId(id));
  if (bad >= 0) {
    throw new UsageError(`not a submission id: ${JSON.stringify(parsed.positionals[bad]!.slice(0, 80))}`, SPEC.name);
  }
  const client = await editorLogin(parsed, io, SPEC.name);
  const listed = new Map((await client.list()).map((item) => [item.id, item]));
  let failed = 0;
  for (const id of new Set(ids)) {
    const item = listed.get(id);
    try {
      await client.remove(id, force);
      io.stdout.write(`deleted ${id}\n`);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      failed += 1;
      if (error instanceof EditorApiError && error.code === 'NOT_PULLED_BY_ALL') {
        const who = item === undefined ? '' : ` (not yet by ${editorNames(item.notDownloadedBy)})`;
        io.stderr.write(
          `kept ${id}: not every active editor has downloaded it${who}; ` +
            'pass --even-if-not-pulled-by-all to delete it anyway\n',
        );
      } else if (error instanceof EditorApiError && error.code === 'NOT_FOUND') {
        io.stderr.write(`error: ${id}: not on the server (deleted already, or expired)\n`);
      } else {
        io.stderr.write(`error: ${id}: ${error.message}\n`);
      }
    }
  }
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
}
