import { z } from 'zod';
import { configurationPatchRequest, configurationRequest } from '../../cases/configure_schemas.js';
import type { ConfigureService } from '../../cases/configure_service.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';
import { documented, ownerQuery } from './cases.js';

// Kibana's case configuration (reference §1.10), also under /s/{space_id}. As on the case
// routes, bodies are decoded by the service with Kibana's messages; the schemas document them.

const TAGS = ['cases'];
const configurationSchema = z
  .looseObject({ id: z.string(), version: z.string(), owner: z.string(), closure_type: z.string(), mappings: z.array(z.unknown()), error: z.string().nullable() })
  .meta({ id: 'case_configuration_response', description: "Kibana's case configuration object" });

export function casesConfigureRoutes(configure: ConfigureService): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/cases/configure',
      operationId: 'getCaseConfiguration',
      summary: 'The case configurations of the owners the caller may read',
      tags: TAGS,
      query: ownerQuery,
      responses: { 200: { description: 'Configurations, one per owner at most', schema: z.array(configurationSchema) }, ...errorResponses(400, 401, 403) },
      async handler({ query, scope }) {
        return { body: await configure.find(scope, query.owner) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/cases/configure',
      operationId: 'setCaseConfiguration',
      audit: { action: 'case_configuration_create', object: 'cases' },
      summary: "Replace an owner's case configuration with a new one",
      tags: TAGS,
      body: documented(configurationRequest),
      responses: { 200: { description: 'The configuration', schema: configurationSchema }, ...errorResponses(400, 401, 403) },
      async handler({ request, scope }) {
        return { body: await configure.create(scope, request.body) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/cases/configure/:configuration_id',
      operationId: 'updateCaseConfiguration',
      audit: { action: 'case_configuration_update', object: 'cases' },
      summary: 'Update a case configuration at the version read',
      tags: TAGS,
      params: z.object({ configuration_id: z.string().meta({ description: 'The configuration id.' }) }),
      body: documented(configurationPatchRequest),
      responses: { 200: { description: 'The configuration', schema: configurationSchema }, ...errorResponses(400, 401, 403, 404, 409) },
      async handler({ params, request, scope }) {
        return { body: await configure.update(scope, params.configuration_id, request.body) };
      },
    }),
  ];
}
