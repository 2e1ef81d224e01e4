/**
 * Locates the read-only `shared/` folder beside the repository (test corpora, validators).
 * CI lays it next to the clone; KYSO_SHARED overrides. Tests read it, never copy it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function sharedDir(): string {
  const dir = process.env.KYSO_SHARED ?? resolve(repoRoot, '../shared');
  if (!existsSync(dir)) throw new Error(`shared/ folder not found at ${dir} (set KYSO_SHARED)`);
  return dir;
}

export function sharedPath(...parts: string[]): string {
  return join(sharedDir(), ...parts);
}
