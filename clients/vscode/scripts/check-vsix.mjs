// Checks that a packaged .vsix holds what the extension needs and nothing it must not ship:
// the bundle, the manifest, the readme and the icon; no sources, tests or node_modules.
// A .vsix is a zip: its file names are read from the zip's central directory.
import { readFileSync } from "node:fs";

const path = process.argv[2];
const zip = readFileSync(path);

function names(buffer) {
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${path} is not a zip file`);
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    if (buffer.readUInt32LE(at) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extra = buffer.readUInt16LE(at + 30);
    const comment = buffer.readUInt16LE(at + 32);
    out.push(buffer.toString("utf8", at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

const files = names(zip);
const required = [
  "extension/package.json",
  "extension/dist/extension.js",
  "extension/readme.md",
  "extension/media/vespera.svg",
  "extension.vsixmanifest",
];
const lower = files.map((name) => name.toLowerCase());
const missing = required.filter((name) => !lower.includes(name.toLowerCase()));
const forbidden = files.filter((name) => /(^|\/)(src|test|out|node_modules)\//.test(name) || name.endsWith(".ts") || name.endsWith(".map"));
if (missing.length || forbidden.length) {
  console.error(`${path} is not right.`);
  if (missing.length) console.error(`missing: ${missing.join(", ")}`);
  if (forbidden.length) console.error(`must not ship: ${forbidden.join(", ")}`);
  process.exit(1);
}
console.log(`${path}: ${files.length} files, ${zip.length} bytes; ${required.length} required present, nothing extra`);
