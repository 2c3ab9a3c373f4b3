/** Installs the web server's configuration: `marshal run examples/web/playbooks/web.ts -i hosts.ini -e web_root=/srv/www`. */
import { playbook } from 'marshal';
import { reloadWeb, webServerBase, webServerConfig } from '../lib/web';
import { webVars, type WebVars } from '../lib/vars';
import { defaultSites } from './sites';

export default playbook<WebVars>({
  name: 'web server',
  hosts: 'web',
  schema: webVars,
  defaults: { sites: defaultSites, release: '1' },
  steps: [webServerBase(), webServerConfig()],
  handlers: [reloadWeb],
});
