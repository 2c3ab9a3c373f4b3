/** Where the lab package's own files are: this file sits in src/ (tests, ts-node) or dist/ (built), one level below the package root. */
import { resolve } from 'node:path';

export const LAB_ROOT = resolve(__dirname, '..');

/** True when running compiled JavaScript (dist/), false under ts-node or vitest (src/). */
export const fromDist = __filename.endsWith('.js');
