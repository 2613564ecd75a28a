// Vault paths (as Obsidian names files) and the file URIs the sidecar speaks.
import { fileURLToPath, pathToFileURL } from "node:url";
import { join, relative, sep } from "node:path";

export class Locations {
  readonly folderUri: string;

  constructor(readonly base: string) {
    this.folderUri = pathToFileURL(base).href;
  }

  uri(path: string): string {
    return pathToFileURL(join(this.base, path)).href;
  }

  /** The vault path of `uri`, or undefined when it is outside the vault. */
  path(uri: string): string | undefined {
    if (!uri.startsWith("file:")) return undefined;
    const rel = relative(this.base, fileURLToPath(uri));
    if (!rel || rel.startsWith("..")) return undefined;
    return rel.split(sep).join("/");
  }
}
