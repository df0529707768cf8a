import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Scope } from '../actions/actions_client.js';

export interface RouteResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The space from the `/s/{space_id}` prefix (default: `default`) and the caller. */
  scope: Scope;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One HTTP route: its input schemas are used both to validate requests and to write the
 * OpenAPI document, so the two cannot drift apart.
 */
export interface RouteSpec<P = any, Q = any, B = any> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify path syntax, e.g. `/api/actions/connector/:id`. */
  url: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** Kibana's internal routes and Plugboard's own are marked so in the document. */
  access?: 'public' | 'internal';
  /** No credentials needed (status, OpenAPI document). */
  unauthenticated?: boolean;
  /**
   * Called by alert senders (Prometheus, amtool, Alertmanager, Grafana), which cannot send
   * kbn-xsrf: none is required, and no browser session is taken for credentials (else a page
   * could post to it in a user's name); credentials come in the Authorization header.
   */
  forSenders?: boolean;
  /** The handler reads the JSON body's bytes as received (`rawBodyOf`), e.g. to check a signature. */
  rawBody?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /**
   * How requests to it appear in the audit log: every non-GET request is recorded (action
   * defaults to the operationId), refused ones (401, 403) whatever the method; false for
   * POST routes that only read.
   */
  audit?: false | { action: string; object?: string };
  handler(ctx: RouteContext<P, Q, B>): Promise<RouteResponse>;
}

export function defineRoute<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}
