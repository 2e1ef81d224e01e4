/**
 * The job kinds every instance runs: `event` (fan a domain event out to the agency's webhooks) and
 * the scheduled ones (certificate expiry reminders). Each area registers its handlers here.
 */
import type { ServerContext } from './server-context.ts';

export function registerJobHandlers(ctx: ServerContext): void {
  // Until webhooks land, events are recorded and dropped.
  ctx.jobs.on('event', async () => undefined);
}
