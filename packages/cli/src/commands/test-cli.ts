/** Test support for the CLI tests: run `kyso` in-process, find a free port, run a tool without blocking. */
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { main } from '../main.ts';

/** Runs the CLI in this process and captures what it prints. */
export async function kyso(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port')))); });
  });
}

/** Runs a tool without blocking the event loop (a server under test may live in this process). */
export function runTool(cmd: string, args: string[], opts: { input?: Buffer } = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, out }); });
    p.stdin.end(opts.input);
  });
}
