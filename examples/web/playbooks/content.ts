/** Publishes the sites as release `release` (-e release=2), rolled back when its smoke test fails. */
import { playbook } from 'marshal';
import { publishSites, reloadWeb, webServerBase } from '../lib/web';
import { webVars, type WebVars } from '../lib/vars';
import { defaultSites } from './sites';

export default playbook<WebVars>({
  name: 'web content',
  hosts: 'web',
  schema: webVars,
  defaults: { sites: defaultSites, release: '1' },
  steps: [webServerBase(), publishSites()],
  handlers: [reloadWeb],
});
