// Checks the built plugin: the three files Obsidian loads, a manifest that says desktop only
// and matches the package's version, and a bundle that loads none of its own dependencies
// from node_modules (a vault's plugin folder has none).
import { readFileSync, readdirSync } from "node:fs";

const files = readdirSync("dist").sort();
const expected = ["main.js", "manifest.json", "styles.css"];
const problems = [];
if (JSON.stringify(files) !== JSON.stringify(expected)) problems.push(`dist holds ${files.join(", ")}, not ${expected.join(", ")}`);
const manifest = JSON.parse(readFileSync("dist/manifest.json", "utf8"));
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
if (manifest.isDesktopOnly !== true) problems.push("the manifest must say isDesktopOnly");
if (manifest.version !== pkg.version) problems.push(`manifest version ${manifest.version} is not the package's ${pkg.version}`);
const bundle = readFileSync("dist/main.js", "utf8");
const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
const allowed = /^(obsidian|electron|@codemirror\/.+|@lezer\/.+|node:.+|[a-z_]+)$/;
const foreign = required.filter((name) => !allowed.test(name) || ["vscode-jsonrpc", "diff"].includes(name));
if (foreign.length) problems.push(`main.js requires packages it should bundle: ${[...new Set(foreign)].join(", ")}`);
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`dist/: ${files.join(", ")}; main.js ${bundle.length} bytes, requires only ${[...new Set(required)].sort().join(", ")}`);
