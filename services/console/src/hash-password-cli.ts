/**
 * `npm run hash-password -w @cpm/console`: reads a password from standard input (one line)
 * and prints its scrypt hash for CONSOLE_USERS (`name:<hash>`). The password is never an
 * argument, so it stays out of the shell's history and the process list.
 */
import { createInterface } from 'node:readline';
import { hashPassword } from './agent-auth';

async function main(): Promise<void> {
  if (process.stdin.isTTY)
    process.stderr.write('password (one line; input is not hidden, so prefer a pipe): ');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.length < 8) throw new Error('a password of at least 8 characters, please');
    process.stdout.write(`${hashPassword(line)}\n`);
    return;
  }
  throw new Error('no password on standard input');
}

main().catch((error: Error) => {
  process.stderr.write(`hash-password: ${error.message}\n`);
  process.exit(1);
});
