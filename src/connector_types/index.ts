import type { ConnectorTypeDefinition } from '../actions/types.js';
import { esIndexConnectorType } from './es_index/index.js';
import { pagerDutyConnectorType } from './pagerduty/index.js';
import { serverLogConnectorType } from './server_log/index.js';
import { torqConnectorType } from './torq/index.js';
import { webhookConnectorType } from './webhook/index.js';
import { xmattersConnectorType } from './xmatters/index.js';

/** The one explicit registry of connector types: a type exists when it is listed here. */
export const CONNECTOR_TYPES: ConnectorTypeDefinition[] = [
  esIndexConnectorType,
  pagerDutyConnectorType,
  serverLogConnectorType,
  torqConnectorType,
  webhookConnectorType,
  xmattersConnectorType,
];
