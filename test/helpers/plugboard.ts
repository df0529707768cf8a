import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { ConnectorTypeDefinition } from '../../src/actions/types.js';
import type { AnyRuleType } from '../../src/alerting/rule_type_registry.js';
import { loadConfig } from '../../src/config/load.js';
import { createPlugboard, type Plugboard, type PlugboardOptions } from '../../src/plugboard.js';
import { createPostgresSchema, type DialectName } from './databases.js';

export const TEST_PASSWORD = 'changeme';
export const TEST_ENCRYPTION_KEY = 'a-test-encryption-key-of-at-least-32-characters';
export const BASIC_AUTH = `Basic ${Buffer.from(`elastic:${TEST_PASSWORD}`).toString('base64')}`;

export interface TestPlugboard {
  plugboard: Plugboard;
  dataDir: string;
  dialect: DialectName;
  databaseUrl?: string;
  /** Sends a request through the real routing, hooks and handlers (no socket). */
  api(method: string, url: string, body?: unknown, opts?: { headers?: Record<string, string>; raw?: string }): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  text: string;
}

export interface TestPlugboardOptions {
  dialect?: DialectName;
  settings?: Record<string, unknown>;
  extraConnectorTypes?: ConnectorTypeDefinition[];
  extraRuleTypes?: AnyRuleType[];
  /** Reuse a data directory / database (restart tests). */
  dataDir?: string;
  databaseUrl?: string;
  logger?: pino.Logger;
  runTasks?: boolean;
  uiDir?: string;
  ingest?: PlugboardOptions['ingest'];
}

export async function startTestPlugboard(opts: TestPlugboardOptions = {}): Promise<TestPlugboard> {
  const dialect = opts.dialect ?? 'sqlite';
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'plugboard-test-'));
  const schema = dialect === 'postgres' && !opts.databaseUrl ? await createPostgresSchema() : undefined;
  const databaseUrl = opts.databaseUrl ?? schema?.url;
  const { config } = loadConfig({
    settings: {
      'server.port': 0,
      'server.host': '127.0.0.1',
      'path.data': dataDir,
      'security.elasticPassword': TEST_PASSWORD,
      'xpack.encryptedSavedObjects.encryptionKey': TEST_ENCRYPTION_KEY,
      'logging.root.level': 'off',
      ...(databaseUrl ? { 'database.url': databaseUrl } : {}),
      ...opts.settings,
    },
  });
  const plugboard = await createPlugboard({ config, logger: opts.logger ?? pino({ level: 'silent' }), extraConnectorTypes: opts.extraConnectorTypes, extraRuleTypes: opts.extraRuleTypes, runTasks: opts.runTasks, uiDir: opts.uiDir, ingest: opts.ingest });
  return {
    plugboard,
    dataDir,
    dialect,
    databaseUrl,
    async api(method, url, body, reqOpts = {}) {
      const headers: Record<string, string> = { authorization: BASIC_AUTH, 'kbn-xsrf': 'true', ...reqOpts.headers };
      for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
      const payload = reqOpts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
      if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const res = await plugboard.app.inject({ method: method as 'GET', url, headers, payload });
      let parsed: unknown = undefined;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = res.body;
      }
      return { status: res.statusCode, body: parsed, headers: res.headers, text: res.body };
    },
    async close() {
      await plugboard.close();
      await schema?.drop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
