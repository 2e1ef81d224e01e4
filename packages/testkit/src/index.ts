export * from './shared.ts';
export * from './images.ts';
