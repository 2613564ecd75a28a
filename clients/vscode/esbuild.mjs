// Bundles the extension into dist/extension.js (one file: VS Code loads it without
// node_modules), or with --tests each test into out/test/, where `vscode` and the language
// client are the small fakes of test/fake/ (VS Code itself cannot run here).
import { build } from "esbuild";
import { readdirSync, rmSync } from "node:fs";

const production = process.argv.includes("--production");
const tests = process.argv.includes("--tests");

const common = {
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  sourcemap: !production,
  logLevel: "warning",
};

if (tests) {
  rmSync("out", { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: readdirSync("test")
      .filter((name) => name.endsWith(".test.ts"))
      .map((name) => `test/${name}`),
    outdir: "out/test",
    alias: {
      vscode: "./test/fake/vscode.ts",
      "vscode-languageclient/node": "./test/fake/languageClient.ts",
    },
  });
} else {
  rmSync("dist", { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: ["src/extension.ts"],
    outfile: "dist/extension.js",
    external: ["vscode"],
    minify: production,
  });
}
