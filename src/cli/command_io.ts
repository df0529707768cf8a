import type { Command } from 'commander';

// The commands that talk to a server write through a CliIo and return their exit code, so
// tests run them in-process with their own environment and captured output.

/** Exit codes of the commands that talk to a server. */
export const EXIT_OK = 0;
/** The server refused a request, could not be reached, or a change failed. */
export const EXIT_FAILURE = 1;
/** Bad usage: a missing option, a bad file; nothing was changed. */
export const EXIT_USAGE = 2;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Where relative paths given on the command line are resolved. */
  cwd: string;
  /** Standard input, for `-` as a file name. */
  stdin?: NodeJS.ReadableStream;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
  };
}

/** A mistake in how the command was called or in the file it was given: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs a command body, turning its errors into a message on stderr and an exit code. */
export async function runCommand(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    io.err(`plugboard: ${(err as Error).message}\n`);
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
}

/** Commander's own usage errors (unknown option, missing argument) exit 2 as ours do. */
export function exitTwoOnUsageErrors(command: Command): Command {
  return command.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE));
}
