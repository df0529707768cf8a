// Entry of the render thread when Plugboard runs from its TypeScript sources (tests, tsx):
// a worker thread does not inherit the parent's loader, so it registers tsx's itself.
import { register } from 'tsx/esm/api';

register();
await import('./render_worker.ts');
