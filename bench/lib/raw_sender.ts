/**
 * Child process of the raw baseline (see raw_load.ts): `connections` loops, each POSTing a body
 * the size of Plugboard's to the sink with plain undici, one request at a time, until told to
 * stop over IPC; then it reports how many it sent, and its own CPU time per request since told
 * 'mark' (the start of the measured window): what a request costs a sender that does nothing else.
 */
import { Agent, request } from 'undici';
import { makeBody } from './sink.js';

const [url, connectionsArg] = process.argv.slice(2);
const connections = Number(connectionsArg);
// The same kind of dispatcher Plugboard's outbound HTTP uses: an Agent, one pool per origin.
const dispatcher = new Agent({ connect: { timeout: 30_000 } });
let stopping = false;
let seq = 0;
let errors = 0;
let firstError: string | undefined;
let mark = { seq: 0, cpu: process.cpuUsage() };

process.on('message', (message) => {
  if (message === 'mark') mark = { seq, cpu: process.cpuUsage() };
  if (message === 'stop') stopping = true;
});
// The bench went away (crashed, or interrupted): stop rather than load the sink forever.
process.on('disconnect', () => {
  stopping = true;
});

async function loop(): Promise<void> {
  while (!stopping) {
    try {
      const res = await request(url, { method: 'POST', body: makeBody(0, seq++, 0), dispatcher });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`sink answered ${res.statusCode}`);
    } catch (err) {
      errors++;
      firstError ??= (err as Error).message;
    }
  }
}

process.send!('ready');
await Promise.all(Array.from({ length: connections }, loop));
const cpu = process.cpuUsage(mark.cpu);
const cpuPerRequestUs = (cpu.user + cpu.system) / Math.max(1, seq - mark.seq);
await dispatcher.close();
if (process.connected) process.send!({ sent: seq, errors, firstError, cpuPerRequestUs }, () => process.disconnect());
