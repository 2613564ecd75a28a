// Builds the plugin into dist/ (main.js, manifest.json, styles.css: what goes into a vault's
// .obsidian/plugins/vespera/), or with --tests each test into out/test/ with `obsidian`
// replaced by the small fake of test/fake/ (Obsidian itself cannot run here).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";

const production = process.argv.includes("--production");
const tests = process.argv.includes("--tests");
const common = { bundle: true, platform: "node", target: "es2022", format: "cjs", logLevel: "warning" };

if (tests) {
  rmSync("out", { recursive: true, force: true });
  await build({
    ...common,
    sourcemap: true,
    entryPoints: readdirSync("test").filter((n) => n.endsWith(".test.ts")).map((n) => `test/${n}`),
    outdir: "out/test",
    alias: { obsidian: "./test/fake/obsidian.ts" },
  });
} else {
  rmSync("dist", { recursive: true, force: true });
  mkdirSync("dist");
  await build({
    ...common,
    entryPoints: ["src/main.ts"],
    outfile: "dist/main.js",
    // Obsidian provides these (CodeMirror must be its own instance); Node's modules are there
    // on the desktop app.
    external: ["obsidian", "electron", "@codemirror/*", "@lezer/*", ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
    minify: production,
    sourcemap: production ? false : "inline",
  });
  copyFileSync("manifest.json", "dist/manifest.json");
  copyFileSync("styles.css", "dist/styles.css");
}
