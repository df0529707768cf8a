import { expandAlertDocument, type AlertDocument } from '../alert_document.js';
import type { SummarizedAlerts } from '../action_variables.js';
import type { GroupedAlert, SummaryGroup } from '../types.js';
import type { AlertPredicate } from './alerts_filter.js';

// Kibana's summarized alerts (AL/server/alerts_client/lib/get_summarized_alerts_query.ts) over
// alert documents in memory.

const chunk = (docs: AlertDocument[]) => ({ count: docs.length, data: docs.map(expandAlertDocument) });

function summarize(newDocs: AlertDocument[], ongoing: AlertDocument[], recovered: AlertDocument[]): SummarizedAlerts {
  return { new: chunk(newDocs), ongoing: chunk(ongoing), recovered: chunk(recovered), all: chunk([...newDocs, ...ongoing, ...recovered]) };
}

export interface SummaryQuery {
  excludedInstanceIds: ReadonlySet<string>;
  filter?: AlertPredicate;
}

const selected = (docs: Iterable<AlertDocument>, query: SummaryQuery) =>
  [...docs].filter((doc) => !query.excludedInstanceIds.has(doc['kibana.alert.instance.id']) && (query.filter?.(doc) ?? true));

/** The alerts of this run: new (`open`), ongoing (`active`), recovered (`close`). */
export function summarizeRun(docs: Iterable<AlertDocument>, query: SummaryQuery): SummarizedAlerts {
  const picked = selected(docs, query);
  const byAction = (action: string) => picked.filter((doc) => doc['event.action'] === action);
  return summarize(byAction('open'), byAction('active'), byAction('close'));
}

/**
 * The alerts of a window `[start, end]` (Kibana's ends before `end`; here the run's own documents
 * are stamped with its start, which may be `end` itself) from the latest document of each alert: new = started
 * in the window, ongoing = started before it and not ended, recovered = ended in it (an alert
 * that started and recovered in the window counts in both new and recovered, as in Kibana).
 */
export function summarizeWindow(docs: Iterable<AlertDocument>, start: Date, end: Date, query: SummaryQuery): SummarizedAlerts {
  const time = (value: unknown) => (typeof value === 'string' ? new Date(value).getTime() : NaN);
  const inWindow = selected(docs, query).filter((doc) => time(doc['@timestamp']) >= start.getTime() && time(doc['@timestamp']) <= end.getTime());
  const from = start.getTime();
  const to = end.getTime();
  return summarize(
    inWindow.filter((doc) => time(doc['kibana.alert.start']) >= from),
    inWindow.filter((doc) => time(doc['kibana.alert.start']) < from && doc['kibana.alert.end'] === undefined),
    inWindow.filter((doc) => time(doc['kibana.alert.end']) >= from && time(doc['kibana.alert.end']) <= to),
  );
}

/**
 * The alerts of one summary group of the rule type: each item is the alert's document of this
 * run (when it has one) with the group's variables of the alert over it; muted alerts are left
 * out, and the action's filter applies to the alerts that have a document.
 */
export function summarizeGroup(group: SummaryGroup, docs: Iterable<AlertDocument>, query: SummaryQuery): SummarizedAlerts {
  const byId = new Map<string, AlertDocument>();
  for (const doc of docs) byId.set(doc['kibana.alert.instance.id'], doc);
  const items = (alerts: GroupedAlert[]) =>
    alerts.flatMap((alert) => {
      if (query.excludedInstanceIds.has(alert.id)) return [];
      const doc = byId.get(alert.id);
      if (doc && query.filter && !query.filter(doc)) return [];
      return [{ ...(doc ? expandAlertDocument(doc) : {}), ...alert }];
    });
  const [n, ongoing, recovered] = [items(group.alerts.new), items(group.alerts.ongoing), items(group.alerts.recovered)];
  const all = [...n, ...ongoing, ...recovered];
  const of = (data: Record<string, unknown>[]) => ({ count: data.length, data });
  return { new: of(n), ongoing: of(ongoing), recovered: of(recovered), all: of(all) };
}
