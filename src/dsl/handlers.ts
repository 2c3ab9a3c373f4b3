/** flushHandlers(): run the handlers notified so far at this point of the play, not only at its end. */
import { callerLocation } from '../util/stack';
import type { HostStep, Vars } from './types';

export function flushHandlers<V extends object = Vars>(name = 'flush handlers'): HostStep<V> {
  const at = callerLocation().definedAt;
  return Object.freeze({ kind: 'host' as const, name, meta: 'flush-handlers' as const, verify: () => true, ...(at !== undefined ? { definedAt: at } : {}) });
}
