/**
 * Marshal's import rules (docs/architecture.md): data flows one way, inventory → plan →
 * scheduler → lifecycle → connection → results → report. `npm run lint:deps` checks them.
 * Type-only imports count too (tsPreCompilationDeps): a type names the layer it comes from.
 */
const folder = (names) => `^src/(${names.join('|')})/`;
// the composers: the only modules that may import across all layers
const COMPOSERS = '^src/(runner|runner-api|plugins|index)\\.ts$';
const EXECUTION = ['plan', 'scheduler', 'lifecycle', 'connection', 'load', 'cli'];

/** A rule: modules under `from` import nothing matching one of `to` (folders) or the composers. */
function forbid(name, comment, from, to, extra = {}) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: [folder(to), COMPOSERS], ...extra },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'A cycle means two modules are one: move the shared piece down a layer. A cycle closed by a ' +
        "type alone is erased by tsc and allowed: plugins.ts types api.runner as runner-api's module, which exports loadPlugins.",
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only', 'type-import'] } },
    },
    {
      name: 'core-not-to-packages',
      comment: 'The core never imports a workspace package (the lab is a plugin, the harness a test tool).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: ['^packages/', '^node_modules/@marshal/'] },
    },
    {
      name: 'core-not-to-tests',
      comment: 'Shipped code never imports test code.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'leaves-import-no-marshal',
      comment: 'errors.ts, paths.ts and version.ts are imported by every layer (util too): they import nothing of Marshal.',
      severity: 'error',
      from: { path: '^src/(errors|paths|version)\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'util-imports-only-util',
      comment: 'src/util holds small shared pieces: they import other util modules and the leaves only.',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: ['^src/util/', '^src/(errors|paths|version)\\.ts$'] },
    },
    forbid('connection-below-execution', 'Connections run commands; they know nothing of plans, steps, reports or loading.',
      '^src/connection/', ['plan', 'scheduler', 'lifecycle', 'report', 'cli', 'load']),
    forbid('inventory-first', 'The inventory is the first layer: it imports no later one.',
      '^src/inventory/', ['plan', 'scheduler', 'lifecycle', 'connection', 'report', 'cli', 'load']),
    forbid('results-are-data', 'Results are data: they import no execution layer and no reporter.',
      '^src/results/', [...EXECUTION, 'report']),
    forbid('report-after-results', 'Reporters render results; they drive nothing.',
      '^src/report/', ['scheduler', 'lifecycle', 'connection', 'plan', 'cli', 'load']),
    forbid('dsl-is-authoring', 'The authoring API describes steps; it runs nothing. Type-only imports of the Connection types are allowed: a step is given a connection.',
      '^src/dsl/', EXECUTION.filter((l) => l !== 'connection').concat('report')),
    forbid('dsl-connection-types-only', 'The authoring API may name connection types (a step is handed a Connection), never connection code.',
      '^src/dsl/', ['connection'], { dependencyTypesNot: ['type-only'] }),
    forbid('plan-before-scheduler', 'The plan is computed once, before anything runs.',
      '^src/plan/', ['scheduler', 'lifecycle', 'cli']),
    forbid('lifecycle-below-scheduler', 'One step on one host: the scheduler calls the lifecycle, never the reverse.',
      '^src/lifecycle/', ['scheduler', 'cli']),
    forbid('scheduler-not-cli', 'The scheduler is library code: the CLI calls it.',
      '^src/scheduler/', ['cli']),
    forbid('template-config-leaves', 'Templating and the settings table are leaves used by several layers.',
      '^src/(template|config)/', ['plan', 'scheduler', 'lifecycle', 'connection', 'report', 'cli', 'load']),
    forbid('load-not-execution', 'Loading a playbook compiles and evaluates it; it runs nothing.',
      '^src/load/', ['plan', 'scheduler', 'lifecycle', 'connection', 'report', 'cli']),
    {
      name: 'packages-use-public-api',
      comment: "Workspace packages use the core through 'marshal' and 'marshal/runner' only, as a user's plugin would.",
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^src/', pathNot: '^src/(index|runner-api)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '/dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default', 'types'] },
    reporterOptions: {
      mermaid: { minify: false },
    },
  },
};
