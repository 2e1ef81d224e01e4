/**
 * Minimal typings for the parts of pako 2.1.0 (zlib, RFC 1950/1951) that kyso uses;
 * `@types/pako` is not installed.
 */
declare module 'pako' {
  export interface DeflateOptions {
    level?: number;
    windowBits?: number;
    memLevel?: number;
    strategy?: number;
    raw?: boolean;
  }
  export interface InflateOptions {
    windowBits?: number;
    raw?: boolean;
    chunkSize?: number;
  }
  /** Streaming inflater: `push` input, receive output through `onData`, completion through `onEnd`. */
  export class Inflate {
    constructor(options?: InflateOptions);
    /** flushMode: `true` = Z_FINISH, omitted = Z_NO_FLUSH. Returns false once ended or on error. */
    push(data: Uint8Array, flushMode?: boolean | number): boolean;
    onData(chunk: Uint8Array): void;
    onEnd(status: number): void;
    err: number;
    msg: string;
    ended: boolean;
    result: Uint8Array;
    /** The underlying z_stream; `msg` holds the last error text. */
    strm: { msg?: string };
  }
  export function deflate(data: Uint8Array, options?: DeflateOptions): Uint8Array;
  export function inflate(data: Uint8Array, options?: InflateOptions): Uint8Array;
  const pako: {
    Inflate: typeof Inflate;
    deflate: typeof deflate;
    inflate: typeof inflate;
  };
  export default pako;
}
