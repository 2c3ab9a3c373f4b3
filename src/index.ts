export const VERSION = "0.1.0";
export { defineFact, FactParseError } from './dsl/fact';
export type { Fact } from './dsl/fact';
export { sh, argv, raw, quote, secret } from './dsl/command';
export type { Command, Secret } from './dsl/command';
