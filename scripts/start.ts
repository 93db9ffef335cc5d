/**
 * `npm start`: will start the portal on a built-in demo newsroom.
 *
 * The server lands with the issue "Server: ciphertext-only storage ..."; until
 * then this says so plainly instead of pretending to run.
 */
process.stderr.write(
  'sealdrop: the server is not built yet. This checkout holds the protocol core only;\n' +
    'run `npm test` to exercise it. See README.md for the roadmap.\n',
);
process.exitCode = 1;
