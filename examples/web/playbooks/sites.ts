/** The sites both playbooks serve unless the inventory or -e says otherwise. */
import type { Site } from '../lib/vars';

export const defaultSites: Site[] = [
  { name: 'alpha', title: 'Alpha' },
  { name: 'beta', title: 'Beta & friends' },
];
