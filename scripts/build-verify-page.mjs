// Builds the verification page (verify-page/) with esbuild: the service's own verifier (src/verify) on the
// browser crypto port (src/verify/port/browser.ts), pdf.js for the seals' pictures, all in one script.
//
//   node scripts/build-verify-page.mjs
//       dist/verify-page/{index.html, verify.js, verify.css}: the page the service serves at /verify/ (not dist/verify/,
//       which is where tsc puts the compiled verifier, src/verify); it trusts the
//       service's roots (fetched from /ca/root.pem at run time).
//   node scripts/build-verify-page.mjs --single [--trust root.pem ...] [-o FILE]      (npm run build:verify-page -- …)
//       ONE self-contained HTML file (default ./seal-verify.html): script and style inline, the given roots built in,
//       and a Content-Security-Policy that allows no network at all, for an auditor who opens it from a USB stick.
//       Without --trust the auditor drops a root PEM into the page.
import { build } from 'esbuild';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'verify-page');
const args = process.argv.slice(2);
const single = args.includes('--single') || args.includes('--trust') || args.includes('-o');
const trustFiles = args.flatMap((a, i) => (a === '--trust' && args[i + 1] ? [args[i + 1]] : []));
const oi = Math.max(args.indexOf('-o'), args.indexOf('--outfile'));
const outfile = resolve(oi >= 0 && args[oi + 1] ? args[oi + 1] : 'seal-verify.html');
if (args.includes('--help')) {
  process.stdout.write('usage: build-verify-page.mjs [--single] [--trust ROOT.pem ...] [-o FILE]\n');
  process.exit(0);
}

// The page holds the verifier and nothing of Node: the crypto port resolves to its browser side, and a
// node: import anywhere in the graph is a mistake that would break the page, so it fails the build.
const browserPort = {
  name: 'verifier-browser-port',
  setup(b) {
    b.onResolve({ filter: /^\.\/default\.js$/ }, (a) =>
      a.importer.endsWith(join('src', 'verify', 'port', 'index.ts')) ? { path: join(root, 'src', 'verify', 'port', 'default-browser.ts') } : undefined);
    b.onResolve({ filter: /^node:/ }, (a) => ({ errors: [{ text: `the verification page must not import ${a.path} (imported by ${a.importer})` }] }));
  },
};

const result = await build({
  entryPoints: [join(page, 'src', 'main.ts')],
  bundle: true,
  write: false,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  inject: [join(page, 'buffer-shim.js')],
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  plugins: [browserPort],
  logLevel: 'warning',
});
// Inline in HTML, "</script" and "<!--" would end or confuse the script element; escaped they mean the same to JS.
const js = result.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
const css = readFileSync(join(page, 'style.css'), 'utf8');
const template = readFileSync(join(page, 'index.html'), 'utf8');
const sha = (s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

if (!single) {
  const dir = join(root, 'dist', 'verify-page');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'verify.js'), js);
  writeFileSync(join(dir, 'verify.css'), css);
  writeFileSync(join(dir, 'index.html'), template
    .replace('<!--OFFLINE-->', '')
    .replace('<!--CSP-->', '')
    .replace('<!--STYLE-->', '<link rel="stylesheet" href="verify.css">')
    .replace('<!--ROOTS-->', '')
    .replace('<!--SCRIPT-->', '<script src="verify.js"></script>'));
  process.stdout.write(`built ${dir}/ (index.html, verify.js ${(js.length / 2 ** 20).toFixed(1)} MB, verify.css)\n`);
} else {
  let pem = '';
  for (const f of trustFiles) {
    let text;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      process.stderr.write(`build-verify-page: cannot read ${f}: ${e.message}\n`);
      process.exit(2);
    }
    if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(text)) {
      process.stderr.write(`build-verify-page: ${f} holds no PEM certificate\n`);
      process.exit(2);
    }
    for (const block of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) {
      try {
        process.stdout.write(`trusting ${new X509Certificate(block).subject.replace(/\n/g, ', ')} (${f})\n`);
      } catch (e) {
        process.stderr.write(`build-verify-page: ${f} holds a PEM block that is not a certificate (${e.message})\n`);
        process.exit(2);
      }
      pem += block + '\n';
    }
  }
  // Nothing may be loaded or sent: no default source, no connections; only this file's own script and style run.
  const csp = ["default-src 'none'", `script-src ${sha(js)}`, `style-src ${sha(css)}`, 'img-src data: blob:', "connect-src 'none'",
    "font-src 'none'", "worker-src 'none'", "base-uri 'none'", "form-action 'none'"].join('; ');
  const html = template
    .replace('<!--OFFLINE-->', ' data-offline="true"')
    .replace('<!--CSP-->', `<meta http-equiv="Content-Security-Policy" content="${csp}">`)
    .replace('<!--STYLE-->', () => `<style>${css}</style>`)
    .replace('<!--ROOTS-->', () => `<script type="application/x-pem-file" id="trusted-roots">\n${pem}</script>`)
    .replace('<!--SCRIPT-->', () => `<script>${js}</script>`);
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, html);
  process.stdout.write(`built ${outfile} (${(html.length / 2 ** 20).toFixed(1)} MB, trusting ${trustFiles.length ? trustFiles.join(', ') : 'no root: the auditor adds one'})\n`);
}
