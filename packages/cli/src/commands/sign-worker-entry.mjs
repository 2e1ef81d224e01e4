// Worker thread entry of `kyso sign --batch`: module hooks are per thread, so register tsx here too.
import { register } from 'tsx/esm/api';
register();
await import('./sign-worker.ts');
