/**
 * One route = one file, routes/<area>/<what-it-does>.ts, exporting its `RouteDef` as `definition`:
 * method, URL, zod schemas for params/query/body and the answer, who may call it, and the handler.
 * The app validates with the schemas, checks access (principal.ts) and CSRF, and the OpenAPI 3.1
 * document is generated from the same definitions.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Access, Principal } from '../auth/principal.ts';
import type { ServerContext } from '../services/server-context.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Binary request bodies taken as-is (Buffer), with their media types. */
export type BinaryBody = 'pdf' | 'png';
export const BINARY_TYPES: Record<BinaryBody, string> = { pdf: 'application/pdf', png: 'image/png' };

export interface RouteRequest<P, Q, B> {
  principal: Principal | undefined;
  params: P;
  query: Q;
  body: B;
  ip: string;
  headers: FastifyRequest['headers'];
  raw: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDef<P = any, Q = any, B = any> {
  method: HttpMethod;
  url: string;
  summary: string;
  tags: string[];
  access: Access;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  /** JSON body schema, or a binary media type (body is then a Buffer). */
  body?: z.ZodType<B> | BinaryBody;
  /** Schema of the JSON answer (documentation; answers are not re-validated). */
  response?: z.ZodType;
  /** Media type of a non-JSON answer, for the OpenAPI document. */
  produces?: string;
  status?: number;
  /** Session-authenticated unsafe requests must carry the CSRF token; false only for login routes. */
  csrf?: boolean;
  /** Per-IP requests per minute (default: none); a function reads it from the configuration. */
  rateLimit?: number | ((ctx: ServerContext) => number);
  handler(req: RouteRequest<P, Q, B>, ctx: ServerContext): Promise<unknown>;
}

/** Identity helper that infers P/Q/B from the schemas. */
export function route<P = undefined, Q = undefined, B = undefined>(def: RouteDef<P, Q, B>): RouteDef<P, Q, B> {
  return def;
}
