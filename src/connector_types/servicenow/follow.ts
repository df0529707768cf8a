import type { TicketOperations } from '../../actions/follow/run.js';
import type { ExecutorContext } from '../../actions/types.js';
import { assertUsableConfiguration, toExecutorError, type ServiceNowContext } from './client.js';
import { ITSM_PRODUCT, type ServiceNowConfig, type ServiceNowSecrets } from './schema.js';
import { pushIncident, serviceNowService, type ServiceNowService } from './service.js';
import type { ItsmParams } from './itsm/schema.js';

// ServiceNow ITSM incidents that follow their alerts: pushed as pushToService does, commented in
// the work notes, closed as Kibana's closeIncident closes them (state 7 with its close code and
// notes), and reopened by writing the state back to In Progress.

type Context = ExecutorContext<ServiceNowConfig, ServiceNowSecrets, ItsmParams>;

/** ServiceNow's incident state In Progress. */
export const IN_PROGRESS_STATE = '2';

/** One call on the connector's service, its failure worded and tagged as the type's executor does. */
async function withService<T>(ctx: Context, run: (service: ServiceNowService) => Promise<T>): Promise<T> {
  const snContext = ctx as unknown as ServiceNowContext;
  assertUsableConfiguration(snContext);
  try {
    return await run(serviceNowService(snContext, ITSM_PRODUCT));
  } catch (err) {
    throw toExecutorError(err);
  }
}

export const serviceNowItsmFollow: TicketOperations<ServiceNowConfig, ServiceNowSecrets, ItsmParams> = {
  push(ctx, externalId) {
    if (ctx.params.subAction !== 'pushToService') throw new Error('[Action][ServiceNow]: a ticket that follows an alert needs the pushToService sub-action');
    const { incident, comments } = ctx.params.subActionParams;
    return withService(ctx, (service) => pushIncident(service, ITSM_PRODUCT, ctx.secrets.username, { incident: { ...incident, externalId }, comments }, ctx.logger));
  },
  async comment(ctx, externalId, text) {
    await withService(ctx, (service) => service.updateIncident(externalId, { [ITSM_PRODUCT.commentFieldKey]: text }));
  },
  async close(ctx, externalId) {
    await withService(ctx, (service) => service.closeIncident({ incidentId: externalId, correlationId: null }));
  },
  async reopen(ctx, externalId) {
    await withService(ctx, (service) => service.updateIncident(externalId, { state: IN_PROGRESS_STATE }));
  },
};
