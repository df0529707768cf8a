import { ConfigError } from '../config/load.js';
import { ALLOWED_HOSTS_SETTING, AllowedHostsRecorder } from '../net/allowed_hosts.js';
import type { PreconfiguredConnectorConfig } from '../config/schema.js';
import type { RunnableConnector } from './executor.js';
import type { ConnectorTypeRegistry } from './registry.js';
import { ValidationError, validateConfig, validateSecrets } from './validation.js';
import type { ValidatorContext } from './types.js';

/** A connector that lives in memory, in every space: preconfigured or system. */
export interface InMemoryConnector extends RunnableConnector {
  exposeConfig: boolean;
}

export const SYSTEM_CONNECTOR_PREFIX = 'system-connector-';

/** Kibana's reserved connector added by `xpack.actions.preconfiguredAlertHistoryEsIndex`. */
export const ALERT_HISTORY_CONNECTOR_ID = 'preconfigured-alert-history-es-index';
export const ALERT_HISTORY_CONNECTOR: PreconfiguredConnectorConfig = {
  name: 'Alert history Elasticsearch index',
  actionTypeId: '.index',
  config: { index: 'kibana-alert-history-default' },
  secrets: {},
};

/**
 * The preconfigured entries in force: the configured ones plus, when enabled, the alert
 * history connector, whose reserved id a configured entry may not take.
 */
export function preconfiguredEntries(
  configured: Record<string, PreconfiguredConnectorConfig>,
  alertHistoryEsIndex: boolean,
  warn: (message: string) => void,
): Record<string, PreconfiguredConnectorConfig> {
  const entries = { ...configured };
  if (entries[ALERT_HISTORY_CONNECTOR_ID]) {
    warn(`Preconfigured connectors cannot have the id "${ALERT_HISTORY_CONNECTOR_ID}" because this is a reserved id; the entry is ignored.`);
    delete entries[ALERT_HISTORY_CONNECTOR_ID];
  }
  if (alertHistoryEsIndex) entries[ALERT_HISTORY_CONNECTOR_ID] = ALERT_HISTORY_CONNECTOR;
  return entries;
}

/**
 * Builds the preconfigured connectors of `xpack.actions.preconfigured` and one system
 * connector per system type. A preconfigured entry whose type is unknown, or whose config
 * or secrets fail the type's validation, stops start-up with the key named. A host outside
 * xpack.actions.allowedHosts does not: as in Kibana the connector is loaded, and each of its
 * executions is refused by the validation that runs again then; it is warned about once here.
 */
export function buildInMemoryConnectors(
  preconfigured: Record<string, PreconfiguredConnectorConfig>,
  registry: ConnectorTypeRegistry,
  ctx: ValidatorContext,
  warn: (message: string) => void,
): Map<string, InMemoryConnector> {
  const out = new Map<string, InMemoryConnector>();
  for (const [id, entry] of Object.entries(preconfigured)) {
    const key = `xpack.actions.preconfigured.${id}`;
    if (!registry.has(entry.actionTypeId)) {
      throw new ConfigError(`Invalid configuration: ${key}.actionTypeId: connector type "${entry.actionTypeId}" is not registered`);
    }
    const def = registry.get(entry.actionTypeId);
    if (def.isSystemActionType) {
      throw new ConfigError(`Invalid configuration: ${key}.actionTypeId: "${entry.actionTypeId}" is a system connector type`);
    }
    const allowedHosts = new AllowedHostsRecorder(ctx.configurationUtilities.allowedHosts);
    const startCtx: ValidatorContext = { ...ctx, configurationUtilities: { ...ctx.configurationUtilities, allowedHosts } };
    let config: Record<string, unknown>;
    let secrets: Record<string, unknown>;
    try {
      config = validateConfig(def, entry.config, startCtx);
      secrets = validateSecrets(def, entry.secrets, startCtx);
    } catch (err) {
      if (err instanceof ValidationError) throw new ConfigError(`Invalid configuration: ${key}.${err.kind}: ${err.message}`);
      throw err;
    }
    if (allowedHosts.refused.size > 0) warn(notAllowedWarning(key, [...allowedHosts.refused]));
    out.set(id, {
      id,
      name: entry.name,
      typeId: entry.actionTypeId,
      config,
      secrets,
      isPreconfigured: true,
      isSystemAction: false,
      exposeConfig: entry.exposeConfig ?? false,
    });
  }
  for (const def of registry.list()) {
    if (!def.isSystemActionType) continue;
    const id = `${SYSTEM_CONNECTOR_PREFIX}${def.id}`;
    out.set(id, {
      id,
      name: def.name,
      typeId: def.id,
      config: {},
      secrets: {},
      isPreconfigured: false,
      isSystemAction: true,
      exposeConfig: false,
    });
  }
  return out;
}

function notAllowedWarning(key: string, hosts: string[]): string {
  const named = hosts.map((h) => `"${h}"`).join(', ');
  const subject = hosts.length === 1 ? `the host ${named} is` : `the hosts ${named} are`;
  return `${key}: ${subject} not in ${ALLOWED_HOSTS_SETTING}; the connector is available, but each of its actions is refused until ${hosts.length === 1 ? 'it is' : 'they are'} added.`;
}
