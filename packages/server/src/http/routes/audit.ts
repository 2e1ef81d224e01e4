/** Routes: audit (placeholder until its owner lands them). */
import type { RouteDef } from '../route.ts';

export const routes: RouteDef[] = [];
