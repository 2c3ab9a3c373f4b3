/** Text from a remote host made safe to print on the operator's terminal. */

// C0 controls except \t (0x09) and \n (0x0a), DEL, and C1 controls (ESC starts every sequence).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Control characters become visible `\x1b`-style escapes, so no sequence reaches the terminal. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
