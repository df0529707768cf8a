import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAmtool } from './helpers/alertmanager.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';

// Debian's amtool (0.25) against Plugboard's Alertmanager API: `amtool alert add` posts as
// amtool does (zero times for unset ones), `amtool alert query` lists and filters; credentials
// through --http.config.file (basic_auth), as amtool sends them. Skips without amtool, unless
// PLUGBOARD_REQUIRE_SERVICES=1.

const run = promisify(execFile);
const amtool = await findAmtool();
const dialects = await availableDialects();

describe.each(dialects)('amtool against Plugboard on %s', (dialect) => {
  let pb: TestPlugboard;
  let dir: string;
  let base: string[];

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    const url = await pb.plugboard.listen();
    await pb.api('POST', '/api/spaces/space', { id: 'ops', name: 'Ops' });
    dir = mkdtempSync(path.join(tmpdir(), 'plugboard-amtool-'));
    writeFileSync(path.join(dir, 'http.yml'), `basic_auth:\n  username: elastic\n  password: ${TEST_PASSWORD}\n`, { mode: 0o600 });
    base = [`--alertmanager.url=${url}/s/ops`, `--http.config.file=${path.join(dir, 'http.yml')}`];
  });
  afterAll(async () => {
    await pb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!amtool)('adds alerts and queries them back, with matchers', async () => {
    await run(amtool!, [...base, 'alert', 'add', 'alertname=DiskFull', 'severity=critical', 'instance=db1', '--annotation=summary=Disk is full', '--generator-url=http://prometheus.example/graph']);
    await run(amtool!, [...base, 'alert', 'add', 'alertname=HighLatency', 'severity=warning']);
    const all = JSON.parse((await run(amtool!, [...base, 'alert', 'query', '-o', 'json'])).stdout) as Array<{ labels: Record<string, string>; annotations: Record<string, string>; status: { state: string } }>;
    expect(all.map((a) => a.labels.alertname).sort()).toEqual(['DiskFull', 'HighLatency']);
    const disk = all.find((a) => a.labels.alertname === 'DiskFull')!;
    expect(disk).toMatchObject({ labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db1' }, annotations: { summary: 'Disk is full' }, status: { state: 'active' } });
    const critical = JSON.parse((await run(amtool!, [...base, 'alert', 'query', '-o', 'json', 'severity=~"crit.*"'])).stdout) as Array<{ labels: Record<string, string> }>;
    expect(critical.map((a) => a.labels.alertname)).toEqual(['DiskFull']);
    // The simple output, as a user sees it.
    expect((await run(amtool!, [...base, 'alert', 'query', 'alertname=HighLatency'])).stdout).toMatch(/HighLatency/);
    // Stored in the space of the URL, nowhere else.
    expect((await pb.api('GET', '/api/v2/alerts')).body).toEqual([]);
  });

  it.skipIf(!amtool)('reports a refusal as amtool decodes Alertmanager errors', async () => {
    const failed = await run(amtool!, [...base, 'alert', 'add', 'alertname=Bad', '--start=2030-01-02T00:00:00Z', '--end=2030-01-01T00:00:00Z']).catch((err: { stderr: string; code: number }) => err);
    expect((failed as { code: number }).code).not.toBe(0);
    expect((failed as { stderr: string }).stderr).toContain('start time must be before end time');
  });

  it.skipIf(!amtool)('is refused without credentials', async () => {
    const failed = await run(amtool!, [base[0], 'alert', 'query']).catch((err: { stderr: string; code: number }) => err);
    expect((failed as { code: number }).code).not.toBe(0);
  });
});
