/**
 * The code a `kyso sign --batch` worker thread runs. Loaded through tsx, every worker compiles the
 * whole module graph again on its own — about a second of CPU per thread, most of it tsx rewriting
 * @libpdf/core's 1.2 MB bundle — while the main thread has that graph loaded already. Instead the
 * main thread has esbuild (tsx's own compiler) bundle sign-worker.ts once, in memory, while it
 * unlocks the key; each worker then loads that one plain ES module from a data: URL (≈0.1 s).
 *
 * Nothing is cached between runs: the workers always run the code on disk now. Two things a bundle
 * changes are put back exactly: `import.meta.url` becomes the URL of the module it was written in,
 * and packages with native addons stay in node_modules, imported by the file URL Node resolves
 * from their importer. Whatever this file cannot put back (another `import.meta` use, an external it
 * cannot resolve) or a failed build means the workers load the TypeScript through tsx, as before.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The tsx entry: registers tsx in the worker, then imports sign-worker.ts. */
export const TSX_WORKER_ENTRY = new URL('./sign-worker-entry.mjs', import.meta.url);

const WORKER_SOURCE = fileURLToPath(new URL('./sign-worker.ts', import.meta.url));
/** Where esbuild's relative paths (module comments, metafile) start from. */
const ROOT = resolve(dirname(WORKER_SOURCE), '../../../..');
/** Packages with native addons, loaded from node_modules rather than bundled. */
const NATIVE_PACKAGES = ['pkcs11js'];

export interface WorkerCode {
  url: URL;
  /** True for the in-memory bundle, false for the tsx entry. */
  bundled: boolean;
  /** Why the tsx entry is used. */
  reason?: string;
}

const tsx = (reason: string): WorkerCode => ({ url: TSX_WORKER_ENTRY, bundled: false, reason });

/**
 * Starts bundling and resolves as soon as esbuild is at work (its own process), so the caller may
 * block this thread meanwhile; `code` settles to the bundle, or to the tsx entry with the reason.
 */
export async function startWorkerBundle(): Promise<{ code: Promise<WorkerCode> }> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    return { code: Promise.resolve(tsx(`esbuild cannot be loaded: ${(e as Error).message}`)) };
  }
  const built = esbuild.build({
    entryPoints: [WORKER_SOURCE], absWorkingDir: ROOT, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    write: false, metafile: true, logLevel: 'silent', external: NATIVE_PACKAGES, legalComments: 'none',
    // Bundled CommonJS modules call require() for Node's built-ins; give them one rooted where the worker's source is.
    banner: { js: `import { createRequire as __kysoCreateRequire } from 'node:module';\nconst require = __kysoCreateRequire(${JSON.stringify(pathToFileURL(WORKER_SOURCE).href)});` },
  });
  const code = built.then(
    (r) => {
      const out = r.outputFiles?.[0]?.text;
      if (!out) return tsx('esbuild produced no output');
      try {
        const text = relocate(out, r.metafile!);
        return { url: new URL(`data:text/javascript;base64,${Buffer.from(text).toString('base64')}`), bundled: true };
      } catch (e) {
        return tsx((e as Error).message);
      }
    },
    (e: unknown) => tsx(`bundling failed: ${(e as Error).message.split('\n')[0]}`),
  );
  return { code };
}

interface Metafile { inputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean; original?: string }> }> }

/**
 * Puts back what bundling changed (see the file comment): each `import.meta.url` becomes the file
 * URL of the module whose section it is in (esbuild heads each module's code with a `// path`
 * comment), and each external package specifier becomes the file URL Node resolves for it.
 */
export function relocate(out: string, metafile: Metafile): string {
  const sections = [...out.matchAll(/^\/\/ (\S+\.(?:[cm]?[jt]s|tsx))$/gm)].map((m) => ({ at: m.index!, file: resolve(ROOT, m[1]!) }));
  const inputs = new Set(Object.keys(metafile.inputs).map((p) => resolve(ROOT, p)));
  let text = out.replace(/\bimport\.meta\.url\b/g, (_match, at: number) => {
    let file: string | undefined;
    for (const s of sections) { if (s.at < at) file = s.file; else break; }
    if (!file || !inputs.has(file)) throw new Error('an import.meta.url in the bundle cannot be traced to its module');
    return JSON.stringify(pathToFileURL(file).href);
  });
  if (/\bimport\.meta\b/.test(text)) throw new Error('the bundle uses import.meta beyond import.meta.url');

  const resolved = new Map<string, string>();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    for (const imp of imports) {
      if (!imp.external || imp.path.startsWith('node:')) continue;
      const spec = imp.original ?? imp.path;
      let url: string;
      try {
        url = pathToFileURL(createRequire(resolve(ROOT, input)).resolve(spec)).href;
      } catch (e) {
        // An optional package a module imports at run time inside a try (e.g. @libpdf/core's cloud
        // KMS signers) fails in the bundle just as it does unbundled: it is not installed.
        if (imp.kind === 'dynamic-import') continue;
        throw e;
      }
      if (resolved.has(spec) && resolved.get(spec) !== url) throw new Error(`the external package ${spec} resolves to two files`);
      resolved.set(spec, url);
    }
  }
  for (const [spec, url] of resolved) {
    const quoted = JSON.stringify(spec);
    const uses = new RegExp(`(\\bfrom |\\bimport |\\bimport\\()${quoted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'g');
    let n = 0;
    text = text.replace(uses, (_m, lead: string) => { n++; return `${lead}${JSON.stringify(url)}`; });
    if (n === 0) throw new Error(`the import of the external package ${spec} was not found in the bundle`);
  }
  const left = /^\s*import\s[^;]*?from\s*"(?!node:|file:)([^"]+)"/m.exec(text);
  if (left) throw new Error(`the bundle still imports ${left[1]} by name`);
  return text;
}
