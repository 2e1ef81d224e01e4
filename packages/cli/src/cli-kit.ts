/** Shared CLI pieces: exit codes, output sink, strict option parsing. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KysoError } from '@kyso/core';

/** Exit codes (sysexits.h where one fits). */
export const EXIT = { ok: 0, invalid: 1, usage: 64, data: 65, noInput: 66, software: 70, io: 74, conflict: 73, noPerm: 77 } as const;

export function exitCodeFor(e: KysoError): number {
  switch (e.kind) {
    case 'invalid-argument': return EXIT.usage;
    case 'malformed': case 'unsupported': case 'weak-crypto': case 'policy': return EXIT.data;
    case 'not-found': return EXIT.noInput;
    case 'io': return EXIT.io;
    case 'conflict': return EXIT.conflict;
    case 'auth': return EXIT.noPerm;
    default: return EXIT.software;
  }
}

export type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

/** Parses options strictly; unknown options are a usage error naming them. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, positionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true });
  } catch (e) {
    throw new KysoError('invalid-argument', (e as Error).message.replace(/\. To specify.*$/s, ''));
  }
}


/** Resolves on SIGINT, SIGTERM or when `signal` aborts: a server command's run ends there. */
export function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
}
