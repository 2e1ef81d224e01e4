/**
 * The OpenAPI 3.1 document, generated from the route definitions (route.ts): paths, parameters,
 * request bodies (JSON schemas from zod, or binary media types), answers and security.
 */
import { z } from 'zod';
import { BINARY_TYPES, type RouteDef } from './route.ts';

function jsonSchema(s: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

const PROBLEM = {
  type: 'object', required: ['type', 'title', 'status'],
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, errors: {} },
};

export function buildOpenApi(routes: readonly RouteDef[], info: { version: string; serverUrl: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const js = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, prop] of Object.entries(js.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: prop });
      }
    }
    const op: Record<string, unknown> = {
      summary: r.summary, tags: r.tags, operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase())}`,
      parameters,
      responses: {
        [String(r.status ?? 200)]: r.produces
          ? { description: 'OK', content: { [r.produces]: { schema: { type: 'string', format: 'binary' } } } }
          : { description: 'OK', content: { 'application/json': { schema: r.response ? jsonSchema(r.response) : {} } } },
        default: { description: 'Error (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
      security: r.access.public ? [] : [{ session: [] }, { token: [] }],
    };
    if (typeof r.body === 'string') op.requestBody = { required: true, content: { [BINARY_TYPES[r.body]]: { schema: { type: 'string', format: 'binary' } } } };
    else if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
    const roles = r.access.public ? 'public' : [...(r.access.roles ?? []).map((x) => `role ${x}`), ...(r.access.scopes ?? []).map((x) => `scope ${x}`)].join(', ');
    op.description = `Access: ${roles}.`;
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'kyso API', version: info.version, description: 'Digital signatures for government agencies: certificates, signing, sealing, verification.' },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      schemas: { Problem: PROBLEM },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'kyso_session', description: 'Session cookie from POST /api/v1/auth/login; unsafe methods also need the x-csrf-token header.' },
        token: { type: 'http', scheme: 'bearer', description: 'API token (kyso_…) with scopes.' },
      },
    },
  };
}
