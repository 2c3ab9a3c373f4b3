/**
 * Vars schemas: any library that implements Standard Schema (https://standardschema.dev: zod 3.24+,
 * zod 4, valibot 1, arktype) describes a playbook's vars once; from it come the TypeScript type
 * of `h.vars`, the run-time validation and coercion of inventory and -e values (before any host
 * is touched) and the defaults. The interface is copied from the spec, as the spec asks, so
 * Marshal depends on no schema library.
 */

/** The Standard Schema interface (v1), as published by standard-schema/spec (its namespace members as top-level names). */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  readonly types?: StandardSchemaTypes<Input, Output> | undefined;
}
export type StandardSchemaResult<Output> = StandardSchemaSuccess<Output> | StandardSchemaFailure;
export interface StandardSchemaSuccess<Output> {
  readonly value: Output;
  readonly issues?: undefined;
}
export interface StandardSchemaFailure {
  readonly issues: ReadonlyArray<StandardSchemaIssue>;
}
export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | StandardSchemaPathSegment> | undefined;
}
export interface StandardSchemaPathSegment {
  readonly key: PropertyKey;
}
export interface StandardSchemaTypes<Input = unknown, Output = Input> {
  readonly input: Input;
  readonly output: Output;
}

export function isStandardSchema(v: unknown): v is StandardSchemaV1 {
  return typeof v === 'object' && v !== null && typeof (v as StandardSchemaV1)['~standard']?.validate === 'function';
}

/** `port` or `servers.0.name`: where in the vars an issue is. */
export function issuePath(issue: StandardSchemaIssue): string {
  return (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null && 'key' in p ? p.key : p)).join('.');
}

type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

/** The vars type a schema describes: `playbook<InferVars<typeof schema>>({ schema, ... })`. */
export type InferVars<S extends StandardSchemaV1> = InferOutput<S> extends object ? InferOutput<S> : never;
