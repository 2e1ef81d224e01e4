export * from './shared.ts';
