// ESLint flat config: the recommended rules of ESLint and typescript-eslint, without the
// type-aware ones (they type the whole program on every run; `tsc --noEmit` checks types).
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default defineConfig(
  {
    ignores: ['dist/', 'build/', 'coverage/', 'node_modules/', '.venv/', '.venv-compat/', '.tmp/', 'example/', '__tests__/fixtures/']
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: globals.node
    }
  }
)
