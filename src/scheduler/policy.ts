/** The failure policy Ansible applies after each task: when does the play stop? */
import type { Playbook } from '../dsl/types';
import type { StepResult } from '../results/results';

export interface Stop {
  reason: string;
  /** Bad input (a template that does not render): exit 1, like a broken playbook. */
  usage?: boolean;
}

/** Results that take a host out of the play. */
export function failing(results: readonly StepResult[]): StepResult[] {
  return results.filter((r) => r.status === 'unreachable' || (r.status === 'failed' && !r.ignored));
}

/**
 * After a step: stop the play, or go on? `failedNow` are the step's failures (a block may still
 * rescue them), `newlyOut` the hosts that left the play at this step, `failedInBatch` all that left.
 */
export function afterStep(pb: Playbook<any>, stepName: string, failedNow: readonly StepResult[], newlyOut: readonly string[], failedInBatch: number, batchSize: number): Stop | undefined {
  const badTemplate = failedNow.find((r) => 'failure' in r && r.failure.kind === 'template');
  if (badTemplate && 'failure' in badTemplate) {
    return { reason: `template error on ${badTemplate.host} in "${stepName}": ${badTemplate.failure.message}`, usage: true };
  }
  if (pb.anyErrorsFatal && newlyOut.length > 0) return { reason: `any_errors_fatal: ${newlyOut[0]!} failed "${stepName}"` };
  if (pb.maxFailPercentage !== undefined && (failedInBatch / batchSize) * 100 > pb.maxFailPercentage) {
    return { reason: `max_fail_percentage ${pb.maxFailPercentage}% exceeded: ${failedInBatch} of ${batchSize} hosts in the batch failed` };
  }
  return undefined;
}
