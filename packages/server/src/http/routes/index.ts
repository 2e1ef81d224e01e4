/** Every API route, one module per area (each file holds its routes with their schemas). */
import type { RouteDef } from '../route.ts';
import { routes as system } from './system.ts';
import { routes as auth } from './auth.ts';
import { routes as agencies } from './agencies.ts';
import { routes as users } from './users.ts';
import { routes as certificates } from './certificates.ts';
import { routes as documents } from './documents.ts';
import { routes as audit } from './audit.ts';
import { routes as webhooks } from './webhooks.ts';

export const ALL_ROUTES: readonly RouteDef[] = [...system, ...auth, ...agencies, ...users, ...certificates, ...documents, ...audit, ...webhooks];
