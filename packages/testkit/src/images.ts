/** Test images: the deterministic seal/signature PNGs live in core (the server's demo data uses them too). */
export * from '@kyso/core/pdf/sample-images.ts';
