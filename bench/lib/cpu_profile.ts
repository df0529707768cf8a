import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  /** `file:function:line`, the file relative to the project (or node_modules/<package>/…). */
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples in which the thread did nothing. */
  idleShare: number;
  /** Time spent in the function itself. */
  self: HotSpot[];
  /** Time spent in the function and everything it called, for the server's own functions only. */
  inclusiveOwn: HotSpot[];
  /** Self time summed per package (node_modules/<name>) or per directory of the server's own code or node internal. */
  byArea: HotSpot[];
}

function fileOf(url: string): string {
  if (!url) return '(native)';
  let file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) return file.slice(nm);
  if (file.startsWith(PROJECT_ROOT)) file = path.relative(PROJECT_ROOT, file);
  return file;
}

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const file = fileOf(url);
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return `node_modules/${pkg[1]}`;
  if (file.startsWith('node:')) return 'node internals';
  if (isOwnCode(file)) return path.dirname(file);
  return file;
}

/** The server's own code: its sources, or what tsc compiled them to (dist/, which benches run). */
const isOwnCode = (file: string) => file.startsWith('src/') || file.startsWith('dist/');

const keyOf = (f: CallFrame) => `${fileOf(f.url)}:${f.functionName || '(anonymous)'}:${f.lineNumber + 1}`;

/** Self and inclusive time per function from a V8 .cpuprofile (as written by `node --cpu-prof`). */
export async function summarizeCpuProfile(file: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i])!;
    total += us;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    self.set(keyOf(frame), (self.get(keyOf(frame)) ?? 0) + us);
    areas.set(areaOf(frame.url, frame.functionName), (areas.get(areaOf(frame.url, frame.functionName)) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (!isOwnCode(fileOf(f.url))) continue;
      const key = keyOf(f);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const rank = (m: Map<string, number>): HotSpot[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busy > 0 ? us / busy : 0 }));
  return { totalMs: total / 1000, idleShare: total > 0 ? idle / total : 0, self: rank(self), inclusiveOwn: rank(inclusive), byArea: rank(areas) };
}
