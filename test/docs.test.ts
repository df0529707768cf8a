import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  connectorTypeExample,
  connectorTypePagePath,
  connectorTypeSlug,
  generateDocs,
  ROOT,
  staleFiles,
} from '../scripts/generate_docs.js';
import type { ValidatorContext } from '../src/actions/types.js';
import { validateConfig, validateConnector, validateParams, validateSecrets } from '../src/actions/validation.js';
import { configSchema } from '../src/config/schema.js';
import { CONNECTOR_TYPES } from '../src/connector_types/index.js';
import { makeConfigurationUtilities } from '../src/connector_types/lib/test_context.js';

const STALE = 'run `npm run docs` and commit the result';

/**
 * The dotted key of every setting, walked here independently of the generator: nested objects
 * are followed, anything else (maps and lists included) is one setting.
 */
function settingKeys(schema: z.ZodType, prefix = ''): string[] {
  let current = schema as unknown as { _zod: { def: any } };
  for (;;) {
    const def = current._zod.def;
    if (['default', 'prefault', 'optional', 'nullable', 'readonly'].includes(def.type)) current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else break;
  }
  const def = current._zod.def;
  if (def.type !== 'object') return [prefix];
  return Object.entries<z.ZodType>(def.shape).flatMap(([name, value]) => settingKeys(value, prefix ? `${prefix}.${name}` : name));
}

describe('docs/', () => {
  let files: Map<string, string>;

  beforeAll(async () => {
    files = await generateDocs();
  }, 60_000);

  it('the committed files equal freshly generated ones', () => {
    for (const [rel, content] of files) {
      const abs = path.join(ROOT, rel);
      expect(existsSync(abs), `${rel} is missing: ${STALE}`).toBe(true);
      expect(readFileSync(abs, 'utf8'), `${rel} is out of date: ${STALE}`).toBe(content);
    }
  });

  it('holds no page that is no longer generated', () => {
    expect(staleFiles(files), `pages of types that are gone: ${STALE}`).toEqual([]);
  });

  it('has a page for every registered connector type, linked from the index', () => {
    const index = files.get('docs/connector-types/README.md') ?? '';
    for (const def of CONNECTOR_TYPES) {
      const page = files.get(connectorTypePagePath(def.id));
      expect(page, `no page for ${def.id}`).toBeDefined();
      expect(page).toContain(`\`${def.id}\``);
      expect(index).toContain(`](${connectorTypeSlug(def.id)}.md)`);
    }
  });

  it('names every setting of the configuration schema in settings.md', () => {
    const settings = files.get('docs/settings.md') ?? '';
    const keys = settingKeys(configSchema);
    expect(keys).toContain('xpack.actions.allowedHosts');
    expect(keys).toContain('server.port');
    for (const key of keys) expect(settings, `settings.md does not mention ${key}`).toContain(`\`${key}\``);
  });

  it('documents the environment variables and command-line flags', () => {
    const settings = files.get('docs/settings.md') ?? '';
    for (const name of ['PLUGBOARD_CONFIG', 'PLUGBOARD_DATA_DIR', 'PLUGBOARD_PORT', 'PLUGBOARD_ELASTIC_PASSWORD', 'PLUGBOARD_DATABASE_URL']) {
      expect(settings).toContain(`\`${name}\``);
    }
    for (const flag of ['--port', '--host', '--data-dir', '--config']) expect(settings).toContain(`\`${flag} <`);
    expect(settings).toContain('plugboard encryption rotate');
  });

  it('gives connector examples that the types accept', () => {
    const ctx: ValidatorContext = { configurationUtilities: makeConfigurationUtilities() };
    for (const def of CONNECTOR_TYPES.filter((d) => !d.isSystemActionType)) {
      const example = connectorTypeExample(def);
      const where = `the example of ${def.id} (fix TYPE_EXAMPLES in scripts/generate_docs.ts)`;
      expect(() => {
        const config = validateConfig(def, example.config, ctx);
        const secrets = validateSecrets(def, example.secrets, ctx);
        validateConnector(def, config, secrets);
        validateParams(def, example.params, ctx);
      }, where).not.toThrow();
      expect(example.connectorId).toMatch(/^[a-z0-9-]{1,36}$/);
    }
  });

  it('README.md names the registered connector types and no other', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    // Every `.id` in backticks is taken for a connector type id.
    const named = new Set([...readme.matchAll(/`(\.[a-z][a-z0-9_-]*)`/g)].map((m) => m[1]));
    expect([...named].sort()).toEqual(CONNECTOR_TYPES.map((def) => def.id).sort());
  });

  it('sorts the routes into Kibana, Kibana internal and Plugboard', () => {
    const api = files.get('docs/api.md') ?? '';
    expect(api).toMatch(/\| `POST` \| `\/api\/actions\/connector\/_test` \| [^|]+ \| Plugboard \| yes \|/);
    expect(api).toMatch(/\| `GET` \| `\/api\/status` \| [^|]+ \| Plugboard \| no \|/);
    expect(api).toMatch(/\| `GET` \| `\/api\/openapi.json` \| [^|]+ \| Plugboard \| no \|/);
    expect(api).toMatch(/\| `GET` \| `\/internal\/actions\/connectors` \| [^|]+ \| Kibana internal \| yes \|/);
    expect(api).toMatch(/\| `PUT` \| `\/internal\/actions\/connector\/\{id\}` \| [^|]+ \| Plugboard \| yes \|/);
    expect(api).toMatch(/\| `POST` \| `\/api\/actions\/connector\/\{id\}\/_execute` \| [^|]+ \| Kibana \| yes \|/);
    expect(api).toContain('curl -s -u "elastic:$PASSWORD"');
  });
});
