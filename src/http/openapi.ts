import { z } from 'zod';
import type { ConnectorTypeDefinition } from '../actions/types.js';
import type { RouteSpec } from './route.js';

type JsonSchema = Record<string, unknown>;

// Named schemas (`.meta({id})`) come out of zod as local `$defs`; in an OpenAPI document they
// belong in `components.schemas`, referenced from every operation that uses them.
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewriteRefs(v),
      ]),
    );
  }
  return value;
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', components?: Record<string, JsonSchema>): JsonSchema {
  const { $schema: _drop, $defs, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  if ($defs && components) {
    for (const [id, def] of Object.entries($defs as Record<string, JsonSchema>)) components[id] ??= rewriteRefs(def) as JsonSchema;
  }
  return rewriteRefs(json) as JsonSchema;
}

/** A Fastify route pattern in OpenAPI's syntax: `/a/:id/b` → `/a/{id}/b`. */
export function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}');
}

/** `/a/:id?/b` → ['/a/{id}/b'] and optional trailing params → both variants. */
function openApiPaths(url: string): string[] {
  const optional = /\/:(\w+)\?$/.exec(url);
  if (optional) {
    const base = url.slice(0, optional.index);
    return [base || '/', `${base}/{${optional[1]}}`];
  }
  return [openApiPath(url)];
}

function parameters(spec: RouteSpec, path: string): JsonSchema[] {
  const out: JsonSchema[] = [];
  const add = (where: 'path' | 'query', schema: z.ZodType | undefined) => {
    if (!schema) return;
    const json = toJsonSchema(schema, 'input');
    const props = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, prop] of Object.entries(props)) {
      if (where === 'path' && !path.includes(`{${name}}`)) continue;
      const { description, ...rest } = prop;
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) });
    }
  };
  add('path', spec.params);
  add('query', spec.query);
  if (spec.method !== 'GET' && !spec.forSenders) {
    out.push({ name: 'kbn-xsrf', in: 'header', required: true, schema: { type: 'string' }, description: 'Any value; required on every request that is not a GET.' });
  }
  return out;
}

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the server validates with.
 * Every path also exists under `/s/{space_id}`.
 */
export function buildOpenApiDocument(routes: RouteSpec[], types: ConnectorTypeDefinition[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const schemas: Record<string, JsonSchema> = {};
  for (const spec of routes) {
    for (const path of openApiPaths(spec.url)) {
      const operation: JsonSchema = {
        operationId: openApiPaths(spec.url).length > 1 && path.includes('{') ? `${spec.operationId}WithId` : spec.operationId,
        summary: spec.summary,
        tags: spec.tags,
        ...(spec.access === 'internal' ? { 'x-internal': true } : {}),
        ...(spec.unauthenticated ? { security: [] } : {}),
        parameters: parameters(spec, path),
        responses: Object.fromEntries(
          Object.entries(spec.responses).map(([status, r]) => [
            status,
            { description: r.description, ...(r.schema ? { content: { 'application/json': { schema: toJsonSchema(r.schema, 'output', schemas) } } } : {}) },
          ]),
        ),
      };
      if (spec.body) operation.requestBody = { required: true, content: { 'application/json': { schema: toJsonSchema(spec.body, 'input', schemas) } } };
      (paths[path] ??= {})[spec.method.toLowerCase()] = operation;
    }
  }
  for (const type of types) {
    const base = type.id.replace(/^\./, '').replace(/[^A-Za-z0-9_]/g, '_');
    schemas[`${base}_config`] = { ...toJsonSchema(type.schemas.config, 'input'), title: `${type.name} config (${type.id})` };
    schemas[`${base}_secrets`] = { ...toJsonSchema(type.schemas.secrets, 'input'), title: `${type.name} secrets (${type.id})` };
    schemas[`${base}_params`] = { ...toJsonSchema(type.schemas.params, 'input'), title: `${type.name} params (${type.id})` };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Plugboard',
      version,
      description:
        "Plugboard speaks Kibana's connectors API. Every path also works with a `/s/{space_id}` prefix, which selects the space (default: `default`). " +
        'The `*_config`, `*_secrets` and `*_params` schemas give the fields of each connector type.',
    },
    components: {
      securitySchemes: {
        basicAuth: { type: 'http', scheme: 'basic' },
        apiKeyAuth: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'An API key from `POST /api/security/api_key`: `ApiKey <encoded>`.',
        },
      },
      schemas,
    },
    security: [{ basicAuth: [] }, { apiKeyAuth: [] }],
    paths,
  };
}
