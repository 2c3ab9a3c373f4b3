/**
 * Vars schemas: any library that implements Standard Schema (https://standardschema.dev: zod 3.24+,
 * zod 4, valibot 1, arktype) describes a playbook's vars once; from it come the TypeScript type
 * of `h.vars`, the run-time validation and coercion of inventory and -e values (before any host
 * is touched) and the defaults. The interface is copied from the spec, as the spec asks, so
 * Marshal depends on no schema library.
 */

/** The Standard Schema interface (v1), as published by standard-schema/spec. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  export interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  export interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  export interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  export interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  export interface PathSegment {
    readonly key: PropertyKey;
  }
  export interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}

export function isStandardSchema(v: unknown): v is StandardSchemaV1 {
  return typeof v === 'object' && v !== null && typeof (v as StandardSchemaV1)['~standard']?.validate === 'function';
}

/** `port` or `servers.0.name`: where in the vars an issue is. */
export function issuePath(issue: StandardSchemaV1.Issue): string {
  return (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null && 'key' in p ? p.key : p)).join('.');
}

/** The vars type a schema describes: `playbook<InferVars<typeof schema>>({ schema, ... })`. */
export type InferVars<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S> extends object ? StandardSchemaV1.InferOutput<S> : never;
