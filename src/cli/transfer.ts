import { readFile, writeFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { addServerOptions, ApiClient, type ServerOptions } from './api_client.js';
import { EXIT_FAILURE, EXIT_OK, exitTwoOnUsageErrors, processIo, runCommand, UsageError, type CliIo } from './command_io.js';

// `plugboard export` and `plugboard import`: the saved objects export and import routes, as
// Kibana's Stack Management > Saved objects page uses them, from the command line.

export interface ExportOptions extends ServerOptions {
  type?: string;
  id?: string[];
  output?: string;
  excludeExportDetails?: boolean;
}

interface ExportedLine {
  id?: string;
  type?: string;
  attributes?: { name?: string; isMissingSecrets?: boolean };
  exportedCount?: number;
}

function parseLines(ndjson: string): ExportedLine[] {
  return ndjson
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as ExportedLine];
      } catch {
        return [];
      }
    });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function exportCommand(opts: ExportOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const client = ApiClient.fromOptions(opts, io.env);
    const type = opts.type ?? 'action';
    const body = {
      ...(opts.id && opts.id.length > 0 ? { objects: opts.id.map((id) => ({ type, id })) } : { type }),
      ...(opts.excludeExportDetails ? { excludeExportDetails: true } : {}),
    };
    const res = await client.request('POST', '/api/saved_objects/_export', { json: body });
    const objects = parseLines(res.text).filter((line) => line.type !== undefined);
    if (opts.output) {
      try {
        await writeFile(path.resolve(io.cwd, opts.output), res.text);
      } catch (err) {
        throw new Error(`cannot write ${opts.output}: ${(err as Error).message}`);
      }
    } else {
      // The server's last line has no newline; a terminal or a pipe reads better with one.
      io.out(res.text.endsWith('\n') || res.text === '' ? res.text : `${res.text}\n`);
    }
    const needSecrets = objects.filter((o) => o.attributes?.isMissingSecrets).length;
    io.err(
      `Exported ${plural(objects.length, 'object')} from space "${client.spaceId}"${opts.output ? ` to ${opts.output}` : ''}.` +
        (needSecrets > 0 ? ` Secrets are not exported: ${needSecrets} of them will need their secrets entered again after import.` : '') +
        '\n',
    );
    return EXIT_OK;
  });
}

export interface ImportOptions extends ServerOptions {
  overwrite?: boolean;
  createNewCopies?: boolean;
}

interface ImportResponse {
  success: boolean;
  successCount: number;
  successResults?: Array<{ type: string; id: string; meta?: { title?: string }; destinationId?: string; overwrite?: boolean }>;
  errors?: Array<{ type: string; id: string; meta?: { title?: string }; error: { type: string; message?: string; destinationId?: string } }>;
  warnings?: Array<{ type: string; message: string }>;
}

function describeImportError(error: NonNullable<ImportResponse['errors']>[number]): string {
  switch (error.error.type) {
    case 'conflict':
      return 'exists already (--overwrite replaces it, --create-new-copies imports a copy with a new id)';
    case 'ambiguous_conflict':
      return 'matches more than one existing object';
    case 'unsupported_type':
      return `objects of type "${error.type}" cannot be imported`;
    case 'missing_references':
      return 'refers to objects that do not exist';
    default:
      return error.error.message ?? error.error.type;
  }
}

async function readInput(file: string, io: CliIo): Promise<string> {
  if (file === '-') {
    if (!io.stdin) throw new UsageError('no standard input to read');
    return text(io.stdin);
  }
  try {
    return await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * The imported connectors the server flags as missing secrets. The warning only counts them,
 * and the server also flags connectors whose secrets in the file did not validate.
 */
async function connectorsMissingSecrets(client: ApiClient, results: NonNullable<ImportResponse['successResults']>): Promise<Array<{ id: string; name: string }>> {
  const imported = new Set(results.filter((r) => r.type === 'action').map((r) => r.destinationId ?? r.id));
  if (imported.size === 0) return [];
  const listed = await client.json<Array<{ id: string; name: string; is_missing_secrets?: boolean }>>('GET', '/api/actions/connectors');
  return listed.filter((c) => c.is_missing_secrets && imported.has(c.id)).map((c) => ({ id: c.id, name: c.name }));
}

export function importCommand(file: string, opts: ImportOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    if (opts.overwrite && opts.createNewCopies) throw new UsageError('--overwrite and --create-new-copies cannot be used together');
    const client = ApiClient.fromOptions(opts, io.env);
    const content = await readInput(file, io);
    const form = new FormData();
    // The server wants a file name ending in .ndjson, as Kibana's does; stdin gets one.
    form.append('file', new Blob([content], { type: 'application/ndjson' }), file === '-' ? 'export.ndjson' : path.basename(file));
    const query = opts.overwrite ? '?overwrite=true' : opts.createNewCopies ? '?createNewCopies=true' : '';
    const result = await client.json<ImportResponse>('POST', `/api/saved_objects/_import${query}`, form);

    const results = result.successResults ?? [];
    const overwritten = results.filter((r) => r.overwrite).length;
    io.out(
      `Imported ${plural(result.successCount, 'object')} into space "${client.spaceId}"` +
        (overwritten > 0 ? ` (${overwritten} overwritten)` : '') +
        '.\n',
    );
    const errors = result.errors ?? [];
    if (errors.length > 0) {
      io.out(`Not imported (${errors.length}):\n`);
      for (const error of errors) io.out(`  ${error.meta?.title ?? error.id} (${error.type} ${error.id}): ${describeImportError(error)}\n`);
    }

    for (const warning of result.warnings ?? []) {
      io.out(`${warning.type === 'action_required' ? 'Action required' : 'Warning'}: ${warning.message}\n`);
    }
    const needSecrets = await connectorsMissingSecrets(client, results);
    if (needSecrets.length > 0) {
      io.out(`Connectors that need their secrets:\n${needSecrets.map((c) => `  ${c.name} (${c.id})\n`).join('')}`);
      io.out('Enter them with Fix on the Connectors page, or send them with PUT /api/actions/connector/{id} or plugboard apply.\n');
    }
    return result.success ? EXIT_OK : EXIT_FAILURE;
  });
}

export function registerTransferCommands(program: Command): void {
  const exportCmd = program
    .command('export')
    .description('Export connectors as NDJSON (secrets are not exported), through POST /api/saved_objects/_export')
    .option('--type <type>', 'the saved object type to export', 'action')
    .option('--id <id...>', 'export only these connectors')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .option('--exclude-export-details', 'leave out the summary line at the end');
  addServerOptions(exportCmd);
  exitTwoOnUsageErrors(exportCmd).action(async (opts: ExportOptions) => {
    process.exitCode = await exportCommand(opts, processIo());
  });

  const importCmd = program
    .command('import')
    .description('Import connectors from an NDJSON export, through POST /api/saved_objects/_import')
    .argument('<file>', 'an .ndjson file, or - for standard input')
    .addOption(new Option('--overwrite', 'replace connectors that exist already').conflicts('createNewCopies'))
    .addOption(new Option('--create-new-copies', 'import every connector under a new id').conflicts('overwrite'));
  addServerOptions(importCmd);
  exitTwoOnUsageErrors(importCmd).action(async (file: string, opts: ImportOptions) => {
    process.exitCode = await importCommand(file, opts, processIo());
  });
}
