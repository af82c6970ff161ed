// @hey-api/openapi-ts configuration for the TypeScript client (scripts/clients.sh generate).
// Input and output can be overridden (the drift check generates into a temporary directory)
// with MESHGOV_OPENAPI_INPUT and MESHGOV_OPENAPI_TS_OUTPUT.
import { defineConfig } from '@hey-api/openapi-ts';

// Rewrites `{@link https://HOST/package/NAME TEXT}` to `TEXT` in every generated .ts file.
const UNLINK_PACKAGES = `
const fs = require('node:fs'), path = require('node:path');
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.ts') ? [path.join(d, e.name)] : []);
for (const f of walk(process.argv[1])) {
  const s = fs.readFileSync(f, 'utf8');
  const t = s.replace(/\\{@link https:\\/\\/[^\\s\\/]+\\/package\\/\\S+ ([^}]+)\\}/g, '$1');
  if (t !== s) fs.writeFileSync(f, t);
}`;

export default defineConfig({
  input: process.env.MESHGOV_OPENAPI_INPUT ?? '../../openapi/openapi.json',
  output: {
    path: process.env.MESHGOV_OPENAPI_TS_OUTPUT ?? 'src/generated',
    // Node's ESM resolution (tsconfig: module NodeNext) needs explicit `.js` extensions.
    module: { extension: '.js' },
    tsConfigPath: './tsconfig.json',
    // The bundled fetch client's doc comments link packages on the package registry's website;
    // the project names no registry host in its files, so such links become their plain text.
    postProcess: [{ command: process.execPath, args: ['-e', UNLINK_PACKAGES, '{{path}}'], name: 'unlink packages' }],
  },
  // No crash-report prompt, no error log files in the work tree: errors go to stderr.
  interactive: false,
  logs: { file: false },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});
