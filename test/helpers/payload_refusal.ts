import { PayloadRefusal } from '../../src/ingest/payload.js';

/** The refusal `fn` throws (its field and message); fails the test when it returns or throws something else. */
export function refusalOf(fn: () => unknown): { field: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof PayloadRefusal) return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('the payload was not refused');
}
