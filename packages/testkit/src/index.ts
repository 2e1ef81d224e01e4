export * from './shared.ts';
export * from './images.ts';
export * from './pdf-fixtures.ts';
