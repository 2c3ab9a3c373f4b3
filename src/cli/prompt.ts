/** Terminal prompts: the sudo password (hidden, asked once) and --step confirmations. */
import { createInterface } from 'node:readline';

export function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    if (!input.isTTY) {
      reject(new Error('-K needs a terminal to ask for the password; use --become-password-file instead'));
      return;
    }
    // echo off before the prompt shows, so an answer typed at once is never echoed
    input.setRawMode(true);
    input.resume();
    process.stderr.write(question);
    let value = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          process.stderr.write('\n');
          reject(new Error('interrupted'));
          return;
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const cleanup = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
    };
    input.on('data', onData);
  });
}

let reader: ReturnType<typeof createInterface> | undefined;
let lines: AsyncIterator<string> | undefined;

/** Releases stdin so the process can exit when the run is over. */
export function closePrompts(): void {
  reader?.close();
  reader = undefined;
  lines = undefined;
}

/**
 * Asks on stderr and reads one line of stdin. One reader serves every question (a piped
 * stdin holds all answers at once); at end of input the answer is ''.
 */
export async function askLine(question: string): Promise<string> {
  process.stderr.write(question);
  if (!lines) {
    reader = createInterface({ input: process.stdin, terminal: false });
    lines = reader[Symbol.asyncIterator]();
  }
  const next = await lines.next();
  if (next.done) {
    process.stderr.write('\n');
    return '';
  }
  return next.value.trim();
}
