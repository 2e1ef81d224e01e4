/**
 * RFC 3161 Time-Stamp Protocol (with RFC 5816 ESSCertIDv2): requests, TSTInfo, tokens (CMS
 * SignedData, RFC 5652), responses, and a fuzz harness for the request parser.
 */
export * from './time-stamp-req.ts';
export * from './tst-info.ts';
export * from './time-stamp-resp.ts';
export * from './time-stamp-token.ts';
export * from './fuzz-tsp-request.ts';
