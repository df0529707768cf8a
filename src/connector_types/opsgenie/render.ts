import type { Logger } from 'pino';
import type { SubActionParams } from '../../actions/sub_actions.js';
import { renderTemplatesDeep } from '../../actions/templating/renderer.js';
import { RULE_TAGS_TEMPLATE, SUB_ACTION } from './schema.js';

/** The rule's tags from the variables (`rule.tags`, nested or as a dotted key); only strings count. */
function ruleTags(variables: Record<string, unknown>): string[] {
  const rule = variables.rule as { tags?: unknown } | undefined;
  const tags = variables['rule.tags'] ?? rule?.tags;
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
}

/**
 * Every string is rendered with no escaping (Opsgenie takes plain text). For createAlert, a tag
 * that is exactly `{{rule.tags}}` is replaced by the rule's tags, appended after the other tags.
 * Unlike Kibana, the rule's tags are added after rendering, so a tag that happens to contain
 * `{{…}}` is sent as written instead of being rendered as a template.
 */
export function renderOpsgenieParams(logger: Logger, params: SubActionParams, variables: Record<string, unknown>): SubActionParams {
  const tags = params.subActionParams?.tags;
  if (params.subAction !== SUB_ACTION.CreateAlert || !Array.isArray(tags) || !tags.includes(RULE_TAGS_TEMPLATE)) {
    return renderTemplatesDeep(logger, params, variables);
  }
  const rendered = renderTemplatesDeep(
    logger,
    { ...params, subActionParams: { ...params.subActionParams, tags: tags.filter((tag) => tag !== RULE_TAGS_TEMPLATE) } },
    variables,
  );
  const renderedTags = rendered.subActionParams!.tags as unknown[];
  return { ...rendered, subActionParams: { ...rendered.subActionParams, tags: [...renderedTags, ...ruleTags(variables)] } };
}
