// The status bar text: the sidecar's state and the vault's index and embeddings.
import type { StatusParams } from "@vespera/protocol";
import type { SidecarState } from "@vespera/client-core";

export function statusText(state: SidecarState, status: StatusParams | undefined, problem?: string): string {
  if (state === "failed") return `Vespera: not running${problem ? ` (${problem})` : ""}`;
  if (state !== "running") return "Vespera: starting…";
  if (!status) return "Vespera";
  if (status.state === "indexing" || status.state === "starting") {
    return status.total ? `Vespera: indexing ${status.indexed ?? 0}/${status.total}` : "Vespera: indexing";
  }
  if (status.state === "unavailable") return `Vespera: unavailable${status.message ? ` (${status.message})` : ""}`;
  if (status.semantic === "embedding" || status.semantic === "loading") {
    return `Vespera: ${status.notes ?? 0} notes, embedding (${status.pending ?? 0} to go)`;
  }
  return `Vespera: ${status.notes ?? 0} notes${status.problems ? `, ${status.problems} problems` : ""}`;
}
