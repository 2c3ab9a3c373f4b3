/** The end of a text bounded in lines and in bytes: a failure message's tail stays small however long its lines are. */
import { formatBytes } from './bytes';

export function tailBounded(text: string, lines: number, maxBytes: number): string {
  const last = text.trimEnd().split('\n').slice(-lines).join('\n');
  const size = Buffer.byteLength(last, 'utf8');
  if (size <= maxBytes) return last;
  // Cut on a UTF-8 character boundary: skip continuation bytes (10xxxxxx) at the cut.
  const buf = Buffer.from(last, 'utf8');
  let start = buf.length - maxBytes;
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start += 1;
  return `[marshal: ${formatBytes(start)} cut; last ${formatBytes(buf.length - start)} shown]\n${buf.subarray(start).toString('utf8')}`;
}
