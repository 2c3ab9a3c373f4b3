/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use */
/**
 * The `yaml` library, loaded on first use: an INI-only run never parses YAML, and loading the
 * library is ~30-40 ms of a run's start-up (measured with --cpu-prof, docs/benchmarks.md).
 */
import type * as Yaml from 'yaml';

let lib: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  return (lib ??= require('yaml') as typeof Yaml);
}
