import stringify from 'safe-stable-stringify';
import { badRequest } from '../common/errors.js';
import { nestsTooDeep, TOO_DEEP } from '../common/json_depth.js';

/** An object read from an import file, before its type is known to be one we import. */
export interface ImportedObject {
  type: string;
  id: string;
  attributes?: unknown;
  [key: string]: unknown;
}

/** One JSON document per line, keys sorted, as Kibana writes exports (no newline after the last). */
export function toNdjson(documents: unknown[]): string {
  return documents.map((doc) => stringify(doc)).join('\n');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The saved objects of an import file. Blank lines and the export summary line are skipped, as
 * Kibana skips them. Any line that is not a saved object refuses the whole file (400), so a
 * damaged file imports nothing. Messages name the line but never repeat its text, which may
 * hold secrets of a hand-written file.
 */
export function parseImportFile(text: string): ImportedObject[] {
  const objects: ImportedObject[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const lineNo = i + 1;
    // Each line is a request body of its own: the same depth limit, checked before parsing.
    if (nestsTooDeep(line)) throw badRequest(`Invalid NDJSON: line ${lineNo} is ${TOO_DEEP}. Nothing was imported.`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw badRequest(`Invalid NDJSON: line ${lineNo} is not valid JSON. Nothing was imported.`);
    }
    if (!isPlainObject(value)) throw badRequest(`Invalid NDJSON: line ${lineNo} is not a JSON object. Nothing was imported.`);
    if (value.exportedCount !== undefined) continue;
    if (typeof value.type !== 'string' || value.type === '' || typeof value.id !== 'string' || value.id === '') {
      throw badRequest(`Invalid saved object on line ${lineNo}: "type" and "id" must be non-empty strings. Nothing was imported.`);
    }
    objects.push(value as ImportedObject);
  }
  return objects;
}

/** Kibana refuses a file that holds the same object twice. */
export function ensureUniqueObjects(objects: ImportedObject[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { type, id } of objects) {
    const key = `${type}:${id}`;
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
  }
  if (repeated.size > 0) throw badRequest(`Non-unique import objects detected: [${[...repeated].join(',')}]`);
}
