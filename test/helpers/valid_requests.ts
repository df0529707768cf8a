// Requests every route accepts, keyed by `METHOD /openapi/path`: the starting points of tests
// that must get past validation (permission checks, fuzzing).

/** Bodies that pass validation, so that an answer other than 403 would be a real permission. */
export const VALID_BODIES: Record<string, unknown> = {
  'POST /api/actions/connector': { name: 'x', connector_type_id: '.server-log' },
  'POST /api/actions/connector/{id}': { name: 'x', connector_type_id: '.server-log' },
  'PUT /api/actions/connector/{id}': { name: 'renamed' },
  'POST /api/actions/connector/{id}/_execute': { params: { message: 'x' } },
  'POST /api/actions/connector/{id}/_render': { params: { message: 'x' } },
  'POST /api/actions/connector/{id}/_enqueue': { params: { message: 'x' } },
  'POST /api/actions/_bulk_enqueue': { actions: [{ id: 'log', params: { message: 'x' } }] },
  'POST /api/actions/connector/_test': { connector_type_id: '.server-log', params: { message: 'x' } },
  'POST /api/actions/connector/{id}/_copy_to_space': { spaces: ['other'] },
  'POST /api/saved_objects/_export': { type: 'action' },
  'POST /internal/actions/_global_connector_execution_logs': { date_start: 'now-1d' },
  'POST /internal/actions/_global_connector_execution_kpi': { date_start: 'now-1d' },
  'POST /api/actions/_token_usage': { date_start: 'now-1d' },
  'POST /api/spaces/space': { id: 'made-by-scraper', name: 'x' },
  'PUT /api/spaces/space/{id}': { id: 'other', name: 'renamed' },
  'PUT /api/security/user/{username}': { password: 'a-new-password', roles: ['superuser'] },
  'POST /api/security/user/{username}/_password': { password: 'a-new-password' },
  'PUT /api/security/role/{name}': { kibana: [{ base: ['all'], spaces: ['*'] }] },
  'POST /api/security/api_key': { name: 'another' },
  'POST /internal/security/api_key': { name: 'another' },
  'PUT /internal/actions/connector/{id}': { name: 'renamed', keep_secrets: [] },
  'POST /internal/actions/connector/{id}/_preview_run': { params: { message: 'x' } },
  'POST /internal/actions/connector/_preview_run': { connector_type_id: '.server-log', params: { message: 'x' } },
  'POST /internal/actions/connector/_validate': { connector_type_id: '.server-log', config: {} },
  'POST /api/core/capabilities': { applications: ['kibana'] },
  'POST /api/v2/silences': { matchers: [{ name: 'alertname', value: 'x', isRegex: false }], startsAt: '2026-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z', createdBy: 'x', comment: 'x' },
  'DELETE /api/security/api_key': { ids: ['no-such-key'] },
  'POST /api/alerting/rule': { name: 'x', rule_type_id: 'test.type', consumer: 'alerts', schedule: { interval: '1m' } },
  'POST /api/alerting/rule/{id}': { name: 'x', rule_type_id: 'test.type', consumer: 'alerts', schedule: { interval: '1m' } },
  'PUT /api/alerting/rule/{id}': { name: 'x', schedule: { interval: '1m' } },
  'POST /api/alerting/rule/{id}/_disable': { untrack: false },
  'POST /internal/alerting/rules/_find': { per_page: 1 },
  'POST /api/v2/alerts': [{ labels: { alertname: 'x' } }],
  'POST /api/ingest/alertmanager': {
    version: '4',
    groupKey: '{}:{alertname="x"}',
    status: 'firing',
    receiver: 'plugboard',
    alerts: [{ status: 'firing', labels: { alertname: 'x' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z' }],
  },
  'POST /api/ingest/grafana': {
    version: '1',
    orgId: 1,
    state: 'alerting',
    status: 'firing',
    groupKey: 'x',
    alerts: [{ status: 'firing', labels: { alertname: 'x' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z' }],
  },
  'POST /api/ingest/json/{name}': { alertname: 'x' },
  'POST /internal/ingest/silences': { matchers: [{ name: 'alertname', value: 'x', isRegex: false }], endsAt: '2099-01-01T00:00:00Z', comment: 'x' },
  'POST /api/cases': { title: 'x', description: 'x', tags: [], connector: { id: 'none', name: 'none', type: '.none', fields: null }, settings: { syncAlerts: false }, owner: 'cases' },
  'PATCH /api/cases': { cases: [{ id: 'no-such-case', version: 'WzEsMV0=', title: 'renamed' }] },
  'POST /api/cases/{case_id}/comments': { type: 'user', comment: 'x', owner: 'cases' },
  'PATCH /api/cases/{case_id}/comments': { id: 'no-such-comment', version: 'WzEsMV0=', type: 'user', comment: 'x', owner: 'cases' },
  'POST /api/cases/configure': { connector: { id: 'none', name: 'none', type: '.none', fields: null }, closure_type: 'close-by-user', owner: 'cases' },
  'PATCH /api/cases/configure/{configuration_id}': { version: 'WzEsMV0=', closure_type: 'close-by-pushing' },
};

/** One connector as an NDJSON saved object, as an export writes it. */
export const IMPORT_LINE = JSON.stringify({ type: 'action', id: 'imported', attributes: { name: 'i', actionTypeId: '.server-log', isMissingSecrets: false, config: {}, secrets: {} }, references: [] });

const IMPORT_BOUNDARY = 'scrape-boundary';

/** A saved-objects import request: `file` as the multipart field holding the NDJSON text. */
export function importRequest(file: string): { raw: string; headers: Record<string, string> } {
  return {
    raw: [`--${IMPORT_BOUNDARY}`, 'Content-Disposition: form-data; name="file"; filename="c.ndjson"', 'Content-Type: application/ndjson', '', file, `--${IMPORT_BOUNDARY}--`, ''].join('\r\n'),
    headers: { 'content-type': `multipart/form-data; boundary=${IMPORT_BOUNDARY}` },
  };
}

/** A valid import: one connector. */
export const IMPORT_REQUEST = importRequest(IMPORT_LINE);
