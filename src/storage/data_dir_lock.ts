import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// One server per SQLite data directory: a second one would share the database file and the
// queue without coordination. The lock file names its holder, so that the refusal can say
// which process to look for. (On PostgreSQL, instances share the database by design.)

export const LOCK_FILE_NAME = 'plugboard.lock';

interface LockContent {
  pid: number;
  /** Set once the server listens. */
  address?: string;
  startedAt: string;
  /** Tells this holder's file from a later holder's, so release never removes another's. */
  token: string;
}

function readLock(file: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' ? (parsed as LockContent) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataDirLock {
  private constructor(
    readonly file: string,
    private content: LockContent,
  ) {}

  /**
   * Creates the lock file, or throws naming the live process that holds it. A lock whose
   * process is gone (a crash, SIGKILL) is taken over, and `warn` says so.
   */
  static acquire(dataDir: string, warn: (message: string) => void): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, LOCK_FILE_NAME);
    const content: LockContent = { pid: process.pid, startedAt: new Date().toISOString(), token: randomUUID() };
    for (;;) {
      try {
        writeFileSync(file, JSON.stringify(content), { flag: 'wx', mode: 0o644 });
        return new DataDirLock(file, content);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readLock(file);
      if (holder && isAlive(holder.pid)) {
        const where = holder.address ? `listening on ${holder.address}` : 'not listening yet';
        throw new Error(
          `Another Plugboard server (pid ${holder.pid}, ${where}) uses the data directory ${dataDir} (lock file ${file}). ` +
            'Stop it first, or give this server another path.data. Several servers can share one database only on ' +
            'PostgreSQL (database.url).',
        );
      }
      warn(
        holder
          ? `Taking over the lock file ${file} of a Plugboard server (pid ${holder.pid}) that is no longer running`
          : `Taking over the unreadable lock file ${file}`,
      );
      try {
        unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }

  /** Records the address the server listens on, for the message another server would give. */
  setAddress(address: string): void {
    if (!this.holds()) return;
    this.content = { ...this.content, address };
    // Replaced whole (rename is atomic), so that a starting server never reads it half written.
    const next = `${this.file}.${this.content.token}`;
    writeFileSync(next, JSON.stringify(this.content), { mode: 0o644 });
    renameSync(next, this.file);
  }

  release(): void {
    if (this.holds()) unlinkSync(this.file);
  }

  private holds(): boolean {
    return readLock(this.file)?.token === this.content.token;
  }
}
