import { z } from 'zod';

/**
 * The `signal` param of Kibana's AI sub-actions: any value is taken, and an in-process caller's
 * AbortSignal is used; JSON cannot make one, so over HTTP it is accepted and ignored, as there.
 */
export const signalParam = z
  .unknown()
  .optional()
  .transform((value) => (value instanceof AbortSignal ? value : undefined))
  .meta({ label: 'Signal', help: 'In-process callers only: aborts the request.' });
