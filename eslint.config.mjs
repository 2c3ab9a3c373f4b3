// ESLint runs one rule here: no function over 80 lines (skipping blanks and comments), over the
// shipped sources. `npm run lint:size`, run by `npm test`. Types are not checked: tsc does that.
import tseslint from 'typescript-eslint';

export default tseslint.config({
  files: ['src/**/*.ts', 'packages/*/src/**/*.ts'],
  ignores: ['**/dist/**', '**/node_modules/**'],
  languageOptions: { parser: tseslint.parser },
  // the sources carry `eslint-disable` comments for rules of other setups: not an error here
  linterOptions: { reportUnusedDisableDirectives: 'off' },
  plugins: { '@typescript-eslint': tseslint.plugin },
  rules: {
    'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
  },
});
