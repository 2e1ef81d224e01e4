/**
 * Outbound HTTP for the PKI clients (OCSP, CRL, TSA): one request with a timeout and a response size
 * limit, failing with a clear KysoError — never a silent fallback.
 */
import { KysoError } from '@kyso/core';

export interface FetchBytesOptions {
  method?: 'GET' | 'POST';
  body?: Uint8Array;
  contentType?: string;
  accept?: string;
  /** Whole-request timeout in milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Largest response body accepted, in bytes (default 1 MiB). */
  maxBytes?: number;
  /** Extra request headers (e.g. If-None-Match for a conditional GET). */
  headers?: Record<string, string>;
}

export interface FetchedBytes {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: Uint8Array;
}

/** Fetches a URL; throws KysoError('io') on network failure, timeout, or an oversized body. */
export async function fetchBytes(url: string, opts: FetchBytesOptions = {}): Promise<FetchedBytes> {
  let parsed: URL;
  try { parsed = new URL(url); } catch { throw new KysoError('invalid-argument', `not a URL: ${url}`); }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new KysoError('unsupported', `only http(s) URLs are fetched, not ${parsed.protocol}`);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxBytes = opts.maxBytes ?? 1 << 20;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.contentType) headers['content-type'] = opts.contentType;
    if (opts.accept) headers.accept = opts.accept;
    const res = await fetch(parsed, {
      method: opts.method ?? (opts.body ? 'POST' : 'GET'),
      headers,
      body: opts.body ? Buffer.from(opts.body.buffer, opts.body.byteOffset, opts.body.byteLength) : undefined,
      signal: controller.signal,
      redirect: 'error',
    });
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel();
      throw new KysoError('io', `${url}: response of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > maxBytes) {
          await reader.cancel();
          throw new KysoError('io', `${url}: response exceeds the ${maxBytes}-byte limit`);
        }
        chunks.push(value);
      }
    }
    const body = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) { body.set(c, off); off += c.length; }
    return { status: res.status, contentType: res.headers.get('content-type'), headers: res.headers, body };
  } catch (e) {
    if (e instanceof KysoError) throw e;
    if (controller.signal.aborted) throw new KysoError('io', `${url}: no answer within ${timeoutMs} ms`);
    throw new KysoError('io', `${url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}
