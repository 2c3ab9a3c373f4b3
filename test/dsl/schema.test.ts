/** Typed vars: a Standard Schema (zod here) types h.vars, validates and coerces every host's vars before anything runs. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { z } from 'zod';
import { runPlaybook } from '../../src/scheduler/run';
import { playbook } from '../../src/dsl/playbook';
import { step } from '../../src/dsl/step';
import { sh } from '../../src/dsl/command';
import { isUsageError } from '../../src/errors';
import { fakeConnector, memoryInventory } from '../support/fake';
import { marshal } from '../support/cli';

const schema = z.object({ app_name: z.string().min(1), port: z.coerce.number().int().min(1).max(65535), workers: z.coerce.number().int().default(4) });
const inv = memoryInventory({ web: { a: { app_name: 'shop' }, b: { app_name: 'shop', port: 9000 } } });

function pb(seen: unknown[]) {
  return playbook<z.infer<typeof schema>>({
    name: 'typed',
    hosts: 'web',
    schema,
    steps: [step({ name: 'use', run: (h) => (seen.push([h.name, h.vars.port, typeof h.vars.port, h.vars.workers]), h.run(sh`echo ${h.vars.port}`)) })],
  });
}

describe('a vars schema', () => {
  it('-e port=8080 arrives as the number the schema says, defaults fill what is unset', async () => {
    const seen: unknown[] = [];
    const { connect } = fakeConnector(() => ({}));
    const s = await runPlaybook({ playbook: pb(seen), inventory: inv, connect, extraVars: { port: '8080' } });
    expect(s.exitCode).toBe(0);
    expect(seen).toEqual([['a', 8080, 'number', 4], ['b', 8080, 'number', 4]]);
  });

  it('-e port=abc is refused before any host is touched, naming host, var, expected and seen', async () => {
    const { connect, conns } = fakeConnector(() => ({}));
    let err: unknown;
    try {
      await runPlaybook({ playbook: pb([]), inventory: inv, connect, extraVars: { port: 'abc' } });
    } catch (e) {
      err = e;
    }
    expect(isUsageError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^vars do not match the playbook's schema/);
    expect((err as Error).message).toMatch(/a: port: .*expected number.*; saw "abc"/);
    expect((err as Error).message).toMatch(/b: port: .*; saw "abc"/);
    expect(conns.size).toBe(0);
  });

  it('a var the schema requires and no layer sets is reported per host', async () => {
    const { connect } = fakeConnector(() => ({}));
    await expect(runPlaybook({ playbook: pb([]), inventory: inv, connect })).rejects.toThrow(/a: port: .*; saw nothing \(not set\)/);
  });

  it('a schema that is not a Standard Schema is a playbook error', () => {
    expect(() => playbook({ name: 'x', hosts: 'all', schema: { port: 'number' } as never, steps: [step({ name: 's', verify: () => true })] })).toThrow(/must be a Standard Schema/);
  });

  it('a misspelled var is a type error in `marshal check`', async () => {
    const r = await marshal(['check', join(__dirname, 'fixtures/schema-typo.ts')], { timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/schema-typo\.ts:11:\d+: error TS\d+: Property 'app_nmae' does not exist/);
    expect(r.stdout + r.stderr).toMatch(/1 type error/); // h.vars.port + 1 type-checks: port is a number
  }, 180_000);
});
