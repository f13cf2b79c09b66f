/**
 * The release bundles (`make build`), one file each that runs on Node 24 alone:
 * - dist/flotilla.mjs: every command (ESM, as the sources).
 * - dist/flotilla-agent.cjs: the node agent for small machines. Its memory is a target
 *   (bench/agent-memory.bench.ts), which is why it differs:
 *   - CommonJS: an ESM `import` of a builtin reads every export of it, and node:http's
 *     lazy exports (WebSocket, …) then load undici, some 6 MB resident, unused here.
 *   - No whitespace or comments: the source stays ASCII, which V8 keeps at one byte a
 *     character (a single non-ASCII comment character doubled the 1 MB source).
 *   - node:tls is loaded on first use (services/flotilla/src/bundle/lazy-tls.ts).
 *   - Its V8 flags are in the entry's `#!` line (services/flotilla/src/agent-main.ts).
 *
 *   node scripts/bundle.ts [--outdir dist]
 */
import { chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build, type BuildOptions, type Plugin } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");

const common: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node24",
  // The native msgpack decoder stays a file of its own (msgpackr falls back to JS without it).
  external: ["msgpackr-extract"],
  logLevel: "warning",
};

/** Points the NATS client's `node:tls` at the lazy stand-in; nothing else is rerouted. */
const lazyTls: Plugin = {
  name: "lazy-tls",
  setup(b) {
    b.onResolve({ filter: /^(node:)?tls$/ }, (args) => (args.importer.includes("@nats-io/transport-node") ? { path: join(ROOT, "services/flotilla/src/bundle/lazy-tls.ts") } : undefined));
  },
};

export async function bundleServer(outfile: string): Promise<void> {
  await build({
    ...common,
    entryPoints: [join(ROOT, "services/flotilla/src/main.ts")],
    format: "esm",
    // Bundled CommonJS packages call require(); ESM has none of its own.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    outfile,
  });
  chmodSync(outfile, 0o755);
}

export async function bundleAgent(outfile: string): Promise<void> {
  await build({ ...common, entryPoints: [join(ROOT, "services/flotilla/src/agent-main.ts")], format: "cjs", minifyWhitespace: true, plugins: [lazyTls], outfile });
  chmodSync(outfile, 0o755);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { outdir: { type: "string", default: join(ROOT, "dist") } } });
  await Promise.all([bundleServer(join(values.outdir, "flotilla.mjs")), bundleAgent(join(values.outdir, "flotilla-agent.cjs"))]);
}
