import path from 'node:path';
import ts from 'typescript';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { settingRows } from '../scripts/generate_docs.js';
import { isNotInterpreted } from '../src/config/not_interpreted.js';
import { configSchema } from '../src/config/schema.js';
import { captureLogger } from './helpers/logs.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SCHEMA_FILE = path.join(ROOT, 'src/config/schema.ts');
const CONFIG_DIR = path.join(ROOT, 'src/config') + path.sep;

/** A setting declared in schema.ts, by its property name and line (for messages). */
const where = (node: ts.Node) => `${(node as ts.PropertyAssignment).name.getText()} (schema.ts line ${node.getSourceFile().getLineAndCharacterOfPosition(node.getStart()).line + 1})`;

/**
 * Type-checks src/ and finds every read of a setting outside src/config: each property access and
 * destructured property whose symbol the checker traces back to a property of the schema in
 * schema.ts (zod's inferred types keep those declarations).
 */
function settingReads(): { program: ts.Program; read: Set<ts.Node> } {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('tsconfig.build.json cannot be read');
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const checker = program.getTypeChecker();
  const read = new Set<ts.Node>();
  const note = (symbol: ts.Symbol | undefined) => {
    for (const decl of symbol?.declarations ?? []) if (decl.getSourceFile().fileName === SCHEMA_FILE) read.add(decl);
  };
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(path.join(ROOT, 'src') + path.sep) || file.fileName.startsWith(CONFIG_DIR)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node)) note(checker.getSymbolAtLocation(node.name));
      else if (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression)) note(checker.getSymbolAtLocation(node.argumentExpression));
      else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
        note(checker.getTypeAtLocation(node.parent).getProperty((node.propertyName ?? node.name).getText()));
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { program, read };
}

/** The property declarations of schema.ts whose value is wrapped in `notInterpreted(...)`. */
function markedDeclarations(program: ts.Program): ts.PropertyAssignment[] {
  const marked: ts.PropertyAssignment[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAssignment(node) &&
      ts.isCallExpression(node.initializer) &&
      ts.isIdentifier(node.initializer.expression) &&
      node.initializer.expression.text === 'notInterpreted'
    ) {
      marked.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(program.getSourceFile(SCHEMA_FILE) as ts.SourceFile);
  return marked;
}

/** Dotted keys of the marked settings, found by walking the schema object at run time. */
function markedKeys(schema: z.ZodType, prefix = ''): string[] {
  if (prefix && isNotInterpreted(schema)) return [prefix];
  let current = schema as unknown as { _zod: { def: any } };
  while (['default', 'prefault', 'optional', 'nullable'].includes(current._zod.def.type)) current = current._zod.def.innerType;
  if (current._zod.def.type !== 'object') return [];
  return Object.entries<z.ZodType>(current._zod.def.shape).flatMap(([name, inner]) => markedKeys(inner, prefix ? `${prefix}.${name}` : name));
}

describe('the not-interpreted mark on settings', () => {
  let program: ts.Program;
  let read: Set<ts.Node>;

  beforeAll(() => {
    ({ program, read } = settingReads());
  }, 120_000);

  it('is on no setting that the code reads', () => {
    const marked = markedDeclarations(program);
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.filter((decl) => read.has(decl)).map(where)).toEqual([]);
  });

  it('is not on the email safety settings, which the email connector enforces', () => {
    const names = [...read].map((decl) => (decl as ts.PropertyAssignment).name.getText());
    for (const name of ['domain_allowlist', 'recipient_allowlist', 'maximum_body_length', 'enableFooterInEmail', 'microsoftGraphApiUrl']) {
      expect(names, `${name} is read`).toContain(name);
    }
    const keys = markedKeys(configSchema);
    expect(keys.filter((key) => key.startsWith('xpack.actions.email') || key.includes('microsoft'))).toEqual([]);
  });

  it('is set only through notInterpreted(), the declarations the code check covers', () => {
    const names = markedKeys(configSchema).map((key) => key.split('.').at(-1));
    expect(names.sort()).toEqual(markedDeclarations(program).map((decl) => decl.name.getText()).sort());
  });

  it('is what settings.md says: every marked setting, and only those, say "Not interpreted"', () => {
    const noted = settingRows()
      .filter((row) => row.description.includes('**Not interpreted**'))
      .map((row) => row.key);
    expect(noted).toEqual(markedKeys(configSchema));
  });
});

describe('start-up with settings that are not interpreted', () => {
  let running: TestPlugboard | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const warnings = (records: Array<{ level: number; msg: string }>) => records.filter((r) => r.level === 40).map((r) => r.msg);

  it('logs a warning naming each such setting that is set', async () => {
    const { logger, records } = captureLogger();
    running = await startTestPlugboard({
      logger,
      settings: {
        'xpack.actions.usage.enabled': false,
        'xpack.actions.relay': { mode: 'x' },
        'elasticsearch.ssl.certificateAuthorities': ['/etc/ca.pem'],
        'xpack.actions.email.domain_allowlist': ['example.com'],
      },
    });
    const notInterpreted = warnings(records()).filter((msg) => msg.includes('not interpreted'));
    expect(notInterpreted).toHaveLength(3);
    for (const key of ['xpack.actions.usage.enabled', 'xpack.actions.relay.mode', 'elasticsearch.ssl.certificateAuthorities']) {
      expect(notInterpreted.filter((msg) => msg.startsWith(`${key} `)), key).toHaveLength(1);
    }
  });

  it('logs none when no such setting is set', async () => {
    const { logger, records } = captureLogger();
    running = await startTestPlugboard({ logger, settings: { 'xpack.actions.email.domain_allowlist': ['example.com'] } });
    expect(warnings(records()).filter((msg) => msg.includes('not interpreted'))).toEqual([]);
  });
});
