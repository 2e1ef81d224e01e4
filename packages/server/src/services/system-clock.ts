import type { Clock } from '@kyso/core';

/** The machine's clock: the one place outside tests where kyso reads the time. */
export const systemClock: Clock = { now: () => new Date() };
