import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../src/storage/data_dir_lock.js';
import { childServerFixtures } from './helpers/child_server.js';
import { postgresAvailable } from './helpers/databases.js';

// One server per SQLite data directory; PostgreSQL instances share a database by design.

const withPostgres = await postgresAvailable();

describe('the data directory lock', () => {
  const fixtures = childServerFixtures();

  it(
    'refuses a second server on one SQLite data directory, naming the first one, and is removed on a clean stop',
    async () => {
      const data = await fixtures.data('sqlite');
      const { dataDir: dir } = data;
      const lockFile = path.join(dir, LOCK_FILE_NAME);
      const first = await data.start();
      expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: first.pid, address: first.url });

      const second = await data.start().then(() => undefined, (err: Error) => err);
      expect(second?.message).toMatch(/exited \(code 1, signal null\) before listening/);
      expect(second?.message).toContain(`Another Plugboard server (pid ${first.pid}, listening on ${first.url}) uses the data directory ${dir}`);
      expect(second?.message).toContain('database.url');
      // The first server is untouched, lock included.
      expect((await first.api('GET', '/api/actions/connectors')).status).toBe(200);
      expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: first.pid });

      expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(existsSync(lockFile)).toBe(false);
    },
    120_000,
  );

  it(
    'takes over, with a warning, a lock whose process is gone',
    async () => {
      const data = await fixtures.data('sqlite');
      const lockFile = path.join(data.dataDir, LOCK_FILE_NAME);
      const gone = spawn(process.execPath, ['-e', '']);
      await once(gone, 'exit');
      writeFileSync(lockFile, JSON.stringify({ pid: gone.pid, address: 'http://127.0.0.1:1', startedAt: new Date().toISOString(), token: 'stale' }));

      const server = await data.start();
      expect(server.output()).toContain(`Taking over the lock file ${lockFile} of a Plugboard server (pid ${gone.pid}) that is no longer running`);
      expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: server.pid, address: server.url });
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(existsSync(lockFile)).toBe(false);
    },
    120_000,
  );

  it.runIf(withPostgres)(
    'takes no lock on PostgreSQL: two servers share one database and data directory',
    async () => {
      const data = await fixtures.data('postgres');
      const [a, b] = [await data.start(), await data.start()];
      expect(existsSync(path.join(data.dataDir, LOCK_FILE_NAME))).toBe(false);
      await a.api('POST', '/api/actions/connector/shared', { name: 'shared', connector_type_id: '.server-log' });
      expect((await b.api('GET', '/api/actions/connector/shared')).status).toBe(200);
    },
    120_000,
  );
});
