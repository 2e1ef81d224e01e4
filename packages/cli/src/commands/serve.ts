/**
 * `kyso serve [--data DIR] [--port N] [--host H] [--db URL] [--config FILE] [--public-url URL] [--no-demo]`:
 * the whole server — API under /api/v1, public verification, CRL/OCSP/TSA on the URLs the
 * certificates carry, the job runner. Embedded defaults: SQLite and the document store in
 * ./kyso-data. On the first start of a demo installation it creates the CA and a demo province and
 * prints the logins, once. Configuration problems are listed together and the server does not start.
 */
import { KysoError } from '@kyso/core';
import { loadServerConfig } from '@kyso/server/config/server-config.ts';
import { openServerContext } from '@kyso/server/services/server-context.ts';
import { seedDemoProvince } from '@kyso/server/services/bootstrap.ts';
import { buildServerApp } from '@kyso/server/http/server-app.ts';
import { registerJobHandlers, scheduleDailyJobs } from '@kyso/server/services/job-handlers.ts';
import { EXIT, parse, untilStopped, type Out } from '../cli-kit.ts';

export async function serveCommand(args: string[], out: Out, opts: { signal?: AbortSignal; env?: Record<string, string | undefined> } = {}): Promise<number> {
  const { values: v } = parse(args, {
    data: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, config: { type: 'string' },
    'public-url': { type: 'string' }, 'no-demo': { type: 'boolean' },
  });
  if (v.port !== undefined && !/^\d{1,5}$/.test(v.port)) throw new KysoError('invalid-argument', `--port must be a number from 0 to 65535, not "${v.port}"`);
  const config = loadServerConfig({
    cli: { dataDir: v.data, port: v.port === undefined ? undefined : Number(v.port), host: v.host, db: v.db, publicUrl: v['public-url'], demo: v['no-demo'] ? false : undefined },
    env: opts.env ?? process.env,
    configFile: v.config,
  });
  const ctx = await openServerContext(config);
  let app;
  try {
    registerJobHandlers(ctx);
    await scheduleDailyJobs(ctx);
    const seeded = config.demo ? await seedDemoProvince(ctx) : undefined;
    app = buildServerApp(ctx, { logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
    const address = await app.listen({ port: config.port, host: config.host });
    ctx.jobs.start();
    out.stdout(`kyso listening on ${address} (database: ${ctx.db.dialect}, data: ${config.dataDir})\n`);
    if (seeded) {
      out.stdout(`\nDemo province created. These passwords are shown once — keep them:\n`);
      const width = Math.max(...Object.keys(seeded.users).map((u) => u.length));
      for (const [username, u] of Object.entries(seeded.users)) out.stdout(`  ${username.padEnd(width)}  ${u.password}\n`);
      out.stdout(`\nLog in: POST ${address}/api/v1/auth/login {"username":"sysadmin","password":"…"}; API description: ${address}/api/docs\n`);
    }
  } catch (e) {
    await app?.close();
    await ctx.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new KysoError('io', `port ${config.port} on ${config.host} is already in use`);
    throw e;
  }
  await untilStopped(opts.signal);
  await app.close();
  await ctx.close();
  return EXIT.ok;
}
