import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { startTextServer } from '../lib/simulator_server.js';

/**
 * An in-process Tines tenant, as far as the connector uses it:
 *   GET /api/v1/stories?per_page&page                          stories, paged
 *   GET /api/v1/agents?story_id&action_type&per_page&page      actions ("agents"), paged, of a
 *                                                              story and of a type when asked
 *   GET /api/v1/actions/<id>                                   one action (404 when none)
 *   <verb> /webhook/<path>[/<secret>]                          a webhook action receiving an event
 * The API wants `x-user-email` and `x-user-token` (else 401); `per_page` defaults to 20 and
 * is capped at 500, and `meta` tells the pages as Tines does (current_page, next_page,
 * per_page, pages, count). A webhook needs no API credentials: its secret, when it has one,
 * is the last path segment (else 401), and its verbs (default `get,post`) the methods it takes
 * (else 405). It answers with its configured `response_code` and `response` (default 201 and
 * the text `Ok`; an object is sent as JSON), and records the event.
 * The status and wording of the 401, 404 and 405 answers are not documented by Tines.
 */

export interface SimulatedStory {
  id: number;
  name: string;
  published: boolean;
  team_id?: number;
}

export interface SimulatedAgent {
  id: number;
  name: string;
  type: string;
  story_id: number;
  options: Record<string, unknown>;
}

export interface TinesRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TinesSimulator {
  url: string;
  requests: TinesRequest[];
  /** The tenant's stories and actions; tests may replace them. */
  stories: SimulatedStory[];
  agents: SimulatedAgent[];
  /** Events emitted by webhooks: the receiving action and the raw body. */
  events: Array<{ agentId: number; body: string }>;
  /** The next answer, whatever the request. */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export const WEBHOOK_AGENT = 'Agents::WebhookAgent';

export const defaultStories = (): SimulatedStory[] => [
  { id: 1, name: 'Triage alerts', published: true, team_id: 1 },
  { id: 2, name: 'Enrich indicators', published: false, team_id: 1 },
];

export const defaultAgents = (): SimulatedAgent[] => [
  { id: 11, name: 'Receive alert', type: WEBHOOK_AGENT, story_id: 1, options: { path: 'alert-path', secret: 'alert-secret', verbs: 'get,post' } },
  { id: 12, name: 'Open ticket', type: 'Agents::HTTPRequestAgent', story_id: 1, options: { url: 'https://tickets.example.com', method: 'post' } },
  { id: 21, name: 'Receive indicator', type: WEBHOOK_AGENT, story_id: 2, options: { path: 'indicator-path' } },
];

const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 500;

export async function startTinesSimulator(credentials: { email: string; token: string }): Promise<TinesSimulator> {
  let base = '';
  const requests: TinesRequest[] = [];
  const events: TinesSimulator['events'] = [];
  const state = { stories: defaultStories(), agents: defaultAgents() };
  let failure: { status: number; body: string; headers: Record<string, string> } | undefined;

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

  function page<T>(res: ServerResponse, req: TinesRequest, key: string, items: T[]) {
    const perPage = Math.min(Math.max(Number.parseInt(req.query.per_page ?? '', 10) || DEFAULT_PER_PAGE, 1), MAX_PER_PAGE);
    const current = Math.max(Number.parseInt(req.query.page ?? '', 10) || 1, 1);
    const pages = Math.max(Math.ceil(items.length / perPage), 1);
    const link = (n: number) => {
      const search = new URLSearchParams({ ...req.query, per_page: String(perPage), page: String(n) });
      return `${base}${req.path}?${search}`;
    };
    json(res, 200, {
      [key]: items.slice((current - 1) * perPage, current * perPage),
      meta: {
        current_page: link(current),
        previous_page: current > 1 ? link(current - 1) : null,
        next_page: current < pages ? link(current + 1) : null,
        next_page_number: current < pages ? current + 1 : null,
        per_page: perPage,
        pages,
        count: items.length,
      },
    });
  }

  function webhook(res: ServerResponse, req: TinesRequest, segments: string[]) {
    const [path, secret = ''] = segments.map(decodeURIComponent);
    const agent = state.agents.find((a) => a.type === WEBHOOK_AGENT && a.options.path === path);
    if (!agent || segments.length > 2) return json(res, 404, { error: 'Not found' });
    if ((agent.options.secret ?? '') !== secret) return json(res, 401, { error: 'Invalid secret' });
    const verbs = String(agent.options.verbs ?? 'get,post').split(',').map((v) => v.trim().toUpperCase());
    if (!verbs.includes(req.method)) return json(res, 405, { error: `${req.method} is not accepted by this webhook` });
    events.push({ agentId: agent.id, body: req.body });
    const status = typeof agent.options.response_code === 'number' ? agent.options.response_code : 201;
    const response = agent.options.response ?? 'Ok';
    if (typeof response === 'string') return res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(response);
    json(res, status, response);
  }

  const handle = (req: TinesRequest, res: ServerResponse) => {
    if (failure) {
      const { status, body, headers } = failure;
      failure = undefined;
      return res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(body);
    }
    const segments = req.path.split('/').filter(Boolean);
    if (segments[0] === 'webhook' && segments.length > 1) return webhook(res, req, segments.slice(1));
    const actionId = /^\/api\/v1\/actions\/([^/]+)$/.exec(req.path)?.[1];
    if (req.path !== '/api/v1/stories' && req.path !== '/api/v1/agents' && actionId === undefined) return json(res, 404, { error: 'Not found' });
    if (req.headers['x-user-email'] !== credentials.email || req.headers['x-user-token'] !== credentials.token) {
      return json(res, 401, { error: 'Authentication failed' });
    }
    if (req.method !== 'GET') return json(res, 405, { error: 'Method not allowed' });
    if (req.path === '/api/v1/stories') return page(res, req, 'stories', state.stories);
    if (actionId !== undefined) {
      const action = state.agents.find((a) => String(a.id) === actionId);
      return action ? json(res, 200, action) : json(res, 404, { error: 'Not found' });
    }
    const { story_id: storyId, action_type: actionType } = req.query;
    const agents = state.agents.filter((a) => (storyId === undefined || String(a.story_id) === storyId) && (actionType === undefined || a.type === actionType));
    page(res, req, 'agents', agents);
  };

  const server = await startTextServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const recorded = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
    requests.push(recorded);
    handle(recorded, res);
  });
  base = server.url;

  return {
    url: base,
    requests,
    get stories() {
      return state.stories;
    },
    set stories(value) {
      state.stories = value;
    },
    get agents() {
      return state.agents;
    },
    set agents(value) {
      state.agents = value;
    },
    events,
    failNext(status, body = '{}', headers = {}) {
      failure = { status, body, headers };
    },
    close: server.close,
  };
}
