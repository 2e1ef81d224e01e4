export * from './errors.ts';
export * from './ports.ts';
export * from './asn1/der.ts';
export * from './asn1/pem.ts';
export * from './x509/oids.ts';
export * from './x509/algorithms.ts';
export * from './x509/names.ts';
export * from './x509/certificate.ts';
