/** Reading stack traces: where in the user's code something happened. */

/** Frames of Marshal's own code (src/ under tests, dist/ when installed or bundled) and of node_modules. */
const OWN_FRAME = /node_modules|[\\/](src|dist)[\\/](engine|dsl|connection|lifecycle|scheduler|plan|util|cli)[\\/]|[\\/]dist[\\/]cli[\\/]marshal\.js/;

/** `file:line` of one stack frame line, or undefined when it has none. */
export function frameLocation(frame: string): string | undefined {
  return /\(?([^()\s]+:\d+):\d+\)?\s*$/.exec(frame.trim())?.[1];
}

/** The first frame of `err` in the user's code (a playbook or its library), as `file:line`. */
export function userFrame(err: Error): string | undefined {
  const frame = err.stack?.split('\n').find((l) => /\.(ts|js|mts|cts):\d+/.test(l) && !OWN_FRAME.test(l));
  return frame ? frameLocation(frame) : undefined;
}
