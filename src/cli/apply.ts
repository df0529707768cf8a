import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { addServerOptions, ApiClient, ApiError, type ServerOptions } from './api_client.js';
import { EXIT_FAILURE, EXIT_OK, exitTwoOnUsageErrors, processIo, runCommand, UsageError, type CliIo } from './command_io.js';
import { readConnectorFile, type ConnectorFile, type FileConnector } from './connector_file.js';

// `plugboard apply FILE`: makes the connectors of one space match a file, over the HTTP API.
// Nothing is remembered between runs: each run compares the file with what the server lists.

/** A connector as `GET /api/actions/connectors` lists it. */
export interface ServerConnector {
  id: string;
  name: string;
  connector_type_id: string;
  config?: Record<string, unknown>;
  is_preconfigured: boolean;
  is_system_action?: boolean;
  is_missing_secrets?: boolean;
}

export type PlanStep =
  | { kind: 'create'; connector: FileConnector }
  | { kind: 'update'; connector: FileConnector; changes: string[]; secretsReason: string }
  | { kind: 'replace'; connector: FileConnector; existing: ServerConnector }
  | { kind: 'delete'; existing: ServerConnector };

export interface Plan {
  steps: PlanStep[];
  /** File connectors that already match. */
  unchanged: number;
  /** Connectors of the space that are not in the file and stay (no --prune). */
  kept: ServerConnector[];
}

export interface PlanOptions {
  prune?: boolean;
  updateSecrets?: boolean;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Compares the file with the server. Config is compared on the keys the file gives only: the
 * server fills the keys the file leaves out with the type's defaults (and derived values), so
 * comparing those would report a change on every run. Secrets cannot be read back, so they
 * are sent only when something else changes, when the server says they are missing, or when
 * asked to.
 */
export function planChanges(file: ConnectorFile, server: ServerConnector[], typeIds: Set<string>, opts: PlanOptions = {}): Plan {
  const byId = new Map(server.filter((c) => !c.is_system_action).map((c) => [c.id, c]));
  const problems: string[] = [];
  for (const connector of file.connectors) {
    if (byId.get(connector.id)?.is_preconfigured) {
      problems.push(`${connector.id}: is a preconfigured connector of the server, which cannot be changed through the API; use another id`);
    }
    if (!typeIds.has(connector.actionTypeId)) {
      problems.push(`${connector.id}.actionTypeId: the server has no connector type "${connector.actionTypeId}"`);
    }
  }
  if (problems.length > 0) throw new UsageError(`${file.file} does not fit the server:\n${problems.map((p) => `  ${p}`).join('\n')}`);

  const steps: PlanStep[] = [];
  let unchanged = 0;
  for (const connector of file.connectors) {
    const existing = byId.get(connector.id);
    if (!existing) {
      steps.push({ kind: 'create', connector });
      continue;
    }
    if (existing.connector_type_id !== connector.actionTypeId) {
      steps.push({ kind: 'replace', connector, existing });
      continue;
    }
    const changes = describeChanges(connector, existing);
    const hasSecrets = Object.keys(connector.secrets).length > 0;
    const secretsReason =
      changes.length > 0
        ? 're-sent'
        : existing.is_missing_secrets
          ? 'missing on the server'
          : opts.updateSecrets && hasSecrets
            ? 're-sent: --update-secrets'
            : undefined;
    if (secretsReason) steps.push({ kind: 'update', connector, changes, secretsReason });
    else unchanged++;
  }

  const inFile = new Set(file.connectors.map((c) => c.id));
  const others = [...byId.values()].filter((c) => !c.is_preconfigured && !inFile.has(c.id)).sort((a, b) => a.id.localeCompare(b.id));
  if (opts.prune) steps.push(...others.map((existing) => ({ kind: 'delete' as const, existing })));
  return { steps, unchanged, kept: opts.prune ? [] : others };
}

function describeChanges(connector: FileConnector, existing: ServerConnector): string[] {
  const changes: string[] = [];
  if (connector.name !== existing.name) changes.push(`name ${show(existing.name)} → ${show(connector.name)}`);
  const serverConfig = existing.config ?? {};
  for (const [key, wanted] of Object.entries(connector.config)) {
    // A null in the file and a key the server leaves out both mean "not set".
    if (wanted === null && serverConfig[key] === undefined) continue;
    diffValue(`config.${key}`, serverConfig[key], wanted, changes);
  }
  return changes;
}

function diffValue(where: string, before: unknown, after: unknown, out: string[]): void {
  if (isDeepStrictEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) diffValue(`${where}.${key}`, before[key], after[key], out);
    return;
  }
  out.push(`${where} ${show(before)} → ${show(after)}`);
}

const SHOWN_VALUE_LENGTH = 60;

function show(value: unknown): string {
  if (value === undefined) return '(unset)';
  const text = JSON.stringify(value);
  return text.length > SHOWN_VALUE_LENGTH ? `${text.slice(0, SHOWN_VALUE_LENGTH - 1)}…` : text;
}

/** Secret values are never shown; their key names are not secret. */
function secretsNote(connector: FileConnector): string {
  const keys = Object.keys(connector.secrets);
  return keys.length > 0 ? `, secrets ${keys.join(', ')} (set)` : '';
}

export function formatStep(step: PlanStep): string {
  switch (step.kind) {
    case 'create':
      return `+ create ${step.connector.id} (${step.connector.actionTypeId}) ${show(step.connector.name)}${secretsNote(step.connector)}`;
    case 'update': {
      // A file connector without secrets (e.g. .server-log) has none to send; say so only when
      // they are the whole reason for the update.
      const sendsSecrets = Object.keys(step.connector.secrets).length > 0 || step.changes.length === 0;
      return `~ update ${step.connector.id}: ${[...step.changes, ...(sendsSecrets ? [`secrets (${step.secretsReason})`] : [])].join(', ')}`;
    }
    case 'replace':
      return (
        `-/+ replace ${step.connector.id} (${step.existing.connector_type_id} → ${step.connector.actionTypeId}; a type cannot be changed in place) ` +
        `${show(step.connector.name)}${secretsNote(step.connector)}`
      );
    case 'delete':
      return `- delete ${step.existing.id} (${step.existing.connector_type_id}) ${show(step.existing.name)}`;
  }
}

/** The plan as printed: one line per change, then what stays as it is, then the counts. */
export function formatPlan(plan: Plan, file: string, fileCount: number, opts: PlanOptions = {}): string {
  const lines: string[] = [];
  if (plan.kept.length > 0) lines.push(`Not in ${file}, left as they are (--prune deletes them): ${plan.kept.map((c) => `${c.id} ${show(c.name)}`).join(', ')}`);
  if (plan.steps.length === 0) {
    lines.push(`No changes: ${fileCount === 1 ? '1 connector matches' : `${fileCount} connectors match`} ${file}.`);
    return `${lines.join('\n')}\n`;
  }
  lines.unshift(...plan.steps.map(formatStep));
  if (plan.unchanged > 0) {
    lines.push(
      opts.updateSecrets
        ? `${plan.unchanged} unchanged (no secrets in the file).`
        : `${plan.unchanged} unchanged; their secrets are not compared and not re-sent (--update-secrets re-sends them).`,
    );
  }
  const count = (kind: PlanStep['kind']) => plan.steps.filter((s) => s.kind === kind).length;
  const replaced = count('replace');
  lines.push(
    `Plan: ${count('create') + replaced} to create, ${count('update')} to update, ${count('delete') + replaced} to delete` +
      (replaced > 0 ? ` (${replaced} of them replaced).` : '.'),
  );
  return `${lines.join('\n')}\n`;
}

async function applyStep(client: ApiClient, step: PlanStep): Promise<string> {
  const path = (id: string) => `/api/actions/connector/${encodeURIComponent(id)}`;
  const create = async (c: FileConnector) => {
    try {
      await client.json('POST', path(c.id), { name: c.name, connector_type_id: c.actionTypeId, config: c.config, secrets: c.secrets });
    } catch (err) {
      // The space's list did not have it, so the id is taken in another space.
      if (err instanceof ApiError && err.status === 409) throw new ApiError(409, `${err.message} (connector ids are unique across spaces; this one is used in another space)`);
      throw err;
    }
  };
  switch (step.kind) {
    case 'create':
      await create(step.connector);
      return `created ${step.connector.id}`;
    case 'update': {
      const c = step.connector;
      await client.json('PUT', path(c.id), { name: c.name, config: c.config, secrets: c.secrets });
      return `updated ${c.id}`;
    }
    case 'replace':
      await client.request('DELETE', path(step.existing.id));
      try {
        await create(step.connector);
      } catch (err) {
        throw new Error(`${(err as Error).message} (the old ${step.existing.connector_type_id} connector was deleted; the next run creates the new one)`);
      }
      return `replaced ${step.connector.id}`;
    case 'delete':
      await client.request('DELETE', path(step.existing.id));
      return `deleted ${step.existing.id}`;
  }
}

const VERB: Record<PlanStep['kind'], string> = { create: 'create', update: 'update', replace: 'replace', delete: 'delete' };

export interface ApplyOptions extends ServerOptions, PlanOptions {
  dryRun?: boolean;
}

/** The whole command; answers its exit code. Stops at the first change that fails. */
export function applyCommand(file: string, opts: ApplyOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const client = ApiClient.fromOptions(opts, io.env);
    const connectorFile = readConnectorFile(file, io);
    const [server, types] = await Promise.all([
      client.json<ServerConnector[]>('GET', '/api/actions/connectors'),
      client.json<Array<{ id: string }>>('GET', '/api/actions/connector_types'),
    ]);
    const plan = planChanges(connectorFile, server, new Set(types.map((t) => t.id)), opts);
    io.out(formatPlan(plan, file, connectorFile.connectors.length, opts));
    if (plan.steps.length === 0) return EXIT_OK;
    if (opts.dryRun) {
      io.out('Dry run: nothing was changed.\n');
      return EXIT_OK;
    }

    for (const [done, step] of plan.steps.entries()) {
      try {
        io.out(`${await applyStep(client, step)}\n`);
      } catch (err) {
        const id = step.kind === 'delete' ? step.existing.id : step.connector.id;
        io.err(`failed to ${VERB[step.kind]} ${id}: ${(err as Error).message}\n`);
        io.err(`Stopped at the first failure: ${done} of ${plan.steps.length} changes applied, ${plan.steps.length - done - 1} not attempted.\n`);
        return EXIT_FAILURE;
      }
    }
    io.out(`Applied ${plan.steps.length} change${plan.steps.length === 1 ? '' : 's'} to space "${client.spaceId}".\n`);
    return EXIT_OK;
  });
}

export function registerApplyCommand(program: Command): void {
  const command = program
    .command('apply')
    .description('Make the connectors of a space match a YAML file (the shape of xpack.actions.preconfigured), over the HTTP API')
    .argument('<file>', 'YAML file: a map of connector id → {name, actionTypeId, config, secrets}')
    .option('--prune', 'also delete connectors of the space that are not in the file')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--update-secrets', 're-send the secrets of every connector in the file, even those that are otherwise unchanged');
  addServerOptions(command);
  exitTwoOnUsageErrors(command).action(async (file: string, opts: ApplyOptions) => {
    process.exitCode = await applyCommand(file, opts, processIo());
  });
}
