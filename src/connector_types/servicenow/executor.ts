import { ExecutorError } from '../../actions/failure.js';
import type { ExecutorContext, ExecutorResult } from '../../actions/types.js';
import { assertUsableConfiguration, serviceNowClient, toExecutorError, type ServiceNowContext } from './client.js';
import type { ServiceNowBaseConfig, ServiceNowProduct, ServiceNowSecrets } from './schema.js';
import { serviceNowService, type ServiceNowService } from './service.js';

// The classic executor the three ServiceNow types share (Kibana's servicenow_*/index.ts): the
// connection checked, the sub-action checked against the type's api and the ones it supports,
// then run; a sub-action the type supports but has no branch for answers `{}`, as Kibana's does.

type Params = { subAction: string; subActionParams: unknown };
type Context<C, P> = ExecutorContext<C, ServiceNowSecrets, P>;

export type SubActionHandler<C, P, S> = (service: S, subActionParams: any, ctx: Context<C, P>) => Promise<unknown>;

export interface ServiceNowExecutorOptions<C, P, S> {
  product: ServiceNowProduct;
  /** The sub-actions of the type's api, and which of them a run may ask for. */
  api: readonly string[];
  supported: readonly string[];
  handlers: Partial<Record<string, SubActionHandler<C, P, S>>>;
  /** The type's service: the common one, or one built on it. */
  service?(ctx: ServiceNowContext, common: ServiceNowService): S;
}

export function serviceNowExecutor<C extends ServiceNowBaseConfig, P extends Params, S = ServiceNowService>(options: ServiceNowExecutorOptions<C, P, S>) {
  return async (ctx: Context<C, P>): Promise<ExecutorResult> => {
    const snContext = ctx as unknown as ServiceNowContext;
    assertUsableConfiguration(snContext);
    const { subAction, subActionParams } = ctx.params;
    if (!options.api.includes(subAction)) throw refused(ctx, `[Action][ExternalService] Unsupported subAction type ${subAction}.`);
    if (!options.supported.includes(subAction)) throw refused(ctx, `[Action][ExternalService] subAction ${subAction} not implemented.`);
    const common = serviceNowService(snContext, options.product, serviceNowClient(snContext));
    const service = options.service ? options.service(snContext, common) : (common as S);
    const handler = options.handlers[subAction];
    let data: unknown;
    try {
      data = handler ? await handler(service, subActionParams, ctx) : undefined;
    } catch (err) {
      throw toExecutorError(err);
    }
    return { status: 'ok', actionId: ctx.connectorId, data: data ?? {} };
  };
}

/** The lists every type with them runs alike. */
export const listHandlers = {
  getFields: (service: ServiceNowService) => service.getFields(),
  getChoices: (service: ServiceNowService, params: { fields: string[] }) => service.getChoices(params.fields),
};

function refused(ctx: { logger: { error(msg: string): void } }, message: string): ExecutorError {
  ctx.logger.error(message);
  return new ExecutorError(message, 'framework', { permanent: true });
}
