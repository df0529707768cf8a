import { describe, expect, it } from 'vitest';
import type { Connector, ImportFailure, ImportResponse } from '../../api/types.js';
import { connectorsNeedingSecrets, describeImportError, objectTitle, summarizeExport } from './transfer.js';

const connector = (id: string, name: string, missing: boolean): Connector => ({
  id,
  name,
  connector_type_id: '.webhook',
  is_preconfigured: false,
  is_deprecated: false,
  is_missing_secrets: missing,
  is_system_action: false,
  is_connector_type_deprecated: false,
});

describe('summarizeExport', () => {
  it('takes the count from the summary line and counts the connectors missing secrets', () => {
    const ndjson = [
      { attributes: { name: 'a', isMissingSecrets: true }, id: 'a', type: 'action' },
      { attributes: { name: 'b', isMissingSecrets: false }, id: 'b', type: 'action' },
      { excludedObjects: [], excludedObjectsCount: 0, exportedCount: 2, missingRefCount: 0, missingReferences: [] },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    expect(summarizeExport(`${ndjson}\n`)).toEqual({ exportedCount: 2, missingSecretsCount: 1 });
  });

  it('counts the objects when there is no summary line', () => {
    expect(summarizeExport(JSON.stringify({ attributes: { isMissingSecrets: false }, id: 'a', type: 'action' }))).toEqual({
      exportedCount: 1,
      missingSecretsCount: 0,
    });
  });
});

describe('connectorsNeedingSecrets', () => {
  it('matches the imported ids (a new copy by its destination id) with the list', () => {
    const response: ImportResponse = {
      success: true,
      successCount: 3,
      successResults: [
        { type: 'action', id: 'hook', meta: { title: 'Hook' } },
        { type: 'action', id: 'log', meta: { title: 'Log' } },
        { type: 'action', id: 'pager', destinationId: 'pager-copy', meta: { title: 'Pager' } },
      ],
      warnings: [],
    };
    const list = [connector('hook', 'Hook', true), connector('log', 'Log', false), connector('pager', 'Pager', true), connector('pager-copy', 'Pager', true)];
    expect(connectorsNeedingSecrets(response, list).map((c) => c.id)).toEqual(['hook', 'pager-copy']);
  });
});

describe('describeImportError', () => {
  const failure = (error: ImportFailure['error'], type = 'action'): ImportFailure => ({ id: 'x', type, meta: { title: 'X' }, error });

  it('names the error type in words', () => {
    expect(describeImportError(failure({ type: 'conflict' }))).toMatch(/^Conflict: /);
    expect(describeImportError(failure({ type: 'unsupported_type' }, 'dashboard'))).toMatch(/^Unsupported type: .*"dashboard"/);
    expect(describeImportError(failure({ type: 'unknown', message: 'boom' }))).toBe('Error: boom');
    expect(describeImportError(failure({ type: 'missing_references', references: [{ type: 'action', id: 'y' }] }))).toContain('action y');
  });

  it('falls back to the type and id for a title', () => {
    expect(objectTitle({ id: 'd1', type: 'dashboard', meta: {} })).toBe('dashboard d1');
    expect(objectTitle({ id: 'a', type: 'action', meta: { title: 'Hook' } })).toBe('Hook');
  });
});
