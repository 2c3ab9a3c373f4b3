/** The web role's vars, as a zod schema (any Standard Schema library works): validated and coerced before any host is touched. */
import { z } from 'zod';
import type { InferVars } from 'marshal';

export const site = z.object({
  /** A directory name under the release: lower-case letters, digits and dashes. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lower-case name such as "blog"'),
  title: z.string().min(1),
});

export const webVars = z.object({
  /** Where everything of the web server lives (an absolute path without a trailing slash). */
  web_root: z.string().regex(/^\/[^\0]*[^/]$/, 'an absolute path such as /srv/www'),
  /** `-e port=8080` arrives as text: coerced to a number, `-e port=abc` is refused. */
  port: z.coerce.number().int().min(1).max(65535),
  /** The release the content playbook publishes (a directory under releases/). */
  release: z.coerce.string().regex(/^[A-Za-z0-9._-]+$/, 'a release name such as "2024-06-01"').default('1'),
  sites: z.array(site).min(1),
});

export type WebVars = InferVars<typeof webVars>;
export type Site = z.infer<typeof site>;
