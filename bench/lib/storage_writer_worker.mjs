// Worker of bench/storage_thread.ts: its own better-sqlite3 connection to the bench's database
// file, the statements it is given prepared once; each message is one tick's writes, run in one
// transaction and answered once committed. Plain JavaScript so that it needs no TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const { file, statements } = workerData;
const db = new SQLite(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const prepared = Object.fromEntries(Object.entries(statements).map(([name, text]) => [name, db.prepare(text)]));
const writeTick = db.transaction((writes) => {
  for (const [name, rows] of writes) for (const row of rows) prepared[name].run(row);
});

parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    writeTick.immediate(message.writes);
    parentPort.postMessage({ id: message.id });
  } catch (err) {
    parentPort.postMessage({ id: message.id, error: String(err) });
  }
});
