import path from 'node:path';
import { MIMEType } from 'node:util';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { badRequest, PlugboardError } from '../../common/errors.js';
import type { ConnectorTransferDeps } from '../../saved_objects/deps.js';
import { SavedObjectsRequestError } from '../../saved_objects/deps.js';
import { exportConnectors } from '../../saved_objects/export.js';
import { importConnectors } from '../../saved_objects/import.js';
import { parseImportFile } from '../../saved_objects/ndjson.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses, queryFlag } from '../schemas.js';

// Kibana's saved-objects export and import, for the one type Plugboard has: connectors
// (`action`). Kibana's file format, options, answers and messages, so that files move between
// Kibana and Plugboard.

const exportBody = z
  .strictObject({
    type: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .meta({ description: 'The types to export: `action` (or `*`). Either this or `objects`.' }),
    objects: z
      .array(z.strictObject({ type: z.string(), id: z.string() }))
      .optional()
      .meta({ description: 'The connectors to export, as `{type: "action", id}`. Either this or `type`.' }),
    excludeExportDetails: z.boolean().default(false).meta({ description: 'Leave out the summary line at the end.' }),
    includeReferencesDeep: z.boolean().default(false).meta({ description: 'Accepted for compatibility; connectors reference nothing.' }),
  })
  .meta({ id: 'export_saved_objects_request' });

const importQuery = z
  .strictObject({
    overwrite: queryFlag.meta({ description: 'Replace connectors of the space that have the same id, instead of reporting conflicts.' }),
    createNewCopies: queryFlag.meta({ description: 'Give every imported connector a new random id; nothing conflicts.' }),
    compatibilityMode: queryFlag.meta({ description: 'Accepted for compatibility; it changes nothing here.' }),
  })
  .superRefine((query, ctx) => {
    // Kibana's own wording, without a field: the problem is the combination.
    if (query.overwrite && query.createNewCopies) ctx.addIssue({ code: 'custom', message: 'cannot use [overwrite] with [createNewCopies]' });
    else if (query.createNewCopies && query.compatibilityMode) ctx.addIssue({ code: 'custom', message: 'cannot use [createNewCopies] with [compatibilityMode]' });
  });

const importMeta = z.object({ title: z.string().optional(), icon: z.string().optional() });
const importResponse = z
  .object({
    success: z.boolean(),
    successCount: z.number().int(),
    successResults: z.array(
      z.object({
        type: z.string(),
        id: z.string().meta({ description: 'The id in the file.' }),
        meta: importMeta,
        managed: z.boolean(),
        overwrite: z.literal(true).optional(),
        destinationId: z.string().optional().meta({ description: 'The id it was stored under, when not the id in the file.' }),
      }),
    ),
    errors: z
      .array(
        z.object({
          type: z.string(),
          id: z.string(),
          meta: importMeta,
          error: z.object({
            type: z.enum(['conflict', 'unsupported_type', 'unknown']),
            destinationId: z.string().optional(),
            message: z.string().optional(),
            statusCode: z.number().int().optional(),
          }),
          overwrite: z.literal(true).optional(),
        }),
      )
      .optional(),
    warnings: z.array(z.object({ type: z.literal('action_required'), message: z.string(), actionPath: z.string(), buttonLabel: z.string() })),
  })
  .meta({ id: 'import_saved_objects_response' });

const TAGS = ['saved objects'];
/** Fields besides the file are tiny (Kibana's form has none); this keeps a request from hiding a large body in them. */
const MAX_FIELD_BYTES = 64 * 1024;
const MAX_PARTS = 20;

/** hapi refuses a multipart content type without a boundary before reading the body. */
function requireBoundary(contentType: string): void {
  let boundary: string | null = null;
  try {
    boundary = new MIMEType(contentType).params.get('boundary');
  } catch {
    // An unparsable content type has no boundary either.
  }
  if (!boundary) throw badRequest('Invalid content-type header: multipart missing boundary');
}

/** The `file` part of a multipart request, read whole within the size limit. */
async function readImportFile(request: FastifyRequest, maxBytes: number): Promise<{ filename: string; text: string }> {
  if (!request.isMultipart()) throw new PlugboardError(415, 'Unsupported Media Type: send the file as multipart/form-data in the field "file".');
  requireBoundary(request.headers['content-type'] ?? '');
  const tooLarge = () => new PlugboardError(413, `Payload content length greater than maximum allowed: ${maxBytes}`);
  let found: { filename: string; text: string } | undefined;
  // A client that hung up while the request was authenticated is gone before the multipart
  // reader starts listening: its 'close' has passed, and the reader would wait for good.
  if (request.raw.destroyed && !request.raw.complete) {
    request.log.debug('The import request was closed by the client before its body was read');
    throw badRequest('Invalid multipart payload format');
  }
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes, fieldSize: MAX_FIELD_BYTES, parts: MAX_PARTS } })) {
      if (part.type !== 'file') {
        // busboy cuts a field at the size limit and says so only in this flag.
        if (part.valueTruncated) throw new PlugboardError(413, `Form field [${part.fieldname}] is larger than the limit of ${MAX_FIELD_BYTES} bytes`);
        continue;
      }
      // Every file part is read, so that the request is consumed; only the first `file` counts.
      const content = await part.toBuffer();
      if (part.fieldname === 'file' && !found) found = { filename: part.filename, text: content.toString('utf8') };
    }
  } catch (err) {
    if (err instanceof PlugboardError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') throw tooLarge();
    // Only the body is read here, so any other failure is the client's: a body that is not
    // multipart (wrong boundary, no closing delimiter, truncated, LF line endings) or a
    // connection closed mid-upload. hapi answers them all with this one message. Not an error
    // of the server's, so the reason goes to the debug log, without a stack.
    request.log.debug({ reason: (err as Error).message }, 'The import request body could not be read as multipart');
    throw badRequest('Invalid multipart payload format');
  }
  if (!found) throw badRequest('[request body.file]: expected value of type [Stream] but got [undefined]');
  return found;
}

export function savedObjectsRoutes(deps: ConnectorTransferDeps, limits: { maxImportPayloadBytes: number }): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/saved_objects/_export',
      operationId: 'exportSavedObjects',
      audit: { action: 'saved_objects_export' },
      summary: 'Export connectors as NDJSON, without their secrets',
      tags: TAGS,
      body: exportBody,
      responses: {
        200: { description: 'One saved object per line (`application/ndjson`), then the export summary' },
        ...errorResponses(400, 401, 403),
      },
      async handler({ body, scope }) {
        try {
          const ndjson = await exportConnectors(deps, scope, {
            types: body.type === undefined ? undefined : Array.isArray(body.type) ? body.type : [body.type],
            objects: body.objects,
            excludeExportDetails: body.excludeExportDetails,
          });
          return {
            body: ndjson,
            headers: { 'content-type': 'application/ndjson', 'content-disposition': 'attachment; filename="export.ndjson"' },
          };
        } catch (err) {
          if (err instanceof SavedObjectsRequestError) return { status: 400, body: err.toBody() };
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/saved_objects/_import',
      operationId: 'importSavedObjects',
      audit: { action: 'saved_objects_import' },
      summary: 'Import connectors from an NDJSON export, sent as multipart/form-data in the field `file` (a `.ndjson` file)',
      tags: TAGS,
      query: importQuery,
      responses: {
        200: { description: 'What was imported, what failed and what needs attention', schema: importResponse },
        ...errorResponses(400, 401, 403),
        413: { description: 'The file is larger than `savedObjects.maxImportPayloadBytes`' },
      },
      async handler({ query, scope, request }) {
        const file = await readImportFile(request, limits.maxImportPayloadBytes);
        const extension = path.extname(file.filename).toLowerCase();
        if (extension !== '.ndjson') throw badRequest(`Invalid file extension ${extension}`);
        const objects = parseImportFile(file.text);
        return { body: await importConnectors(deps, scope, objects, query) };
      },
    }),
  ];
}
