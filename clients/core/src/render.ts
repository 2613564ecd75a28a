// Markdown for the results the extension shows in read-only documents: a run's trace, a dry
// run, a replay, an explanation, the automation's status. Pure functions of the payloads.
import type {
  AutomationStatus,
  DryRunResult,
  ExplainEntry,
  ReplayResult,
  RunTrace,
  SemanticStatus,
  StatusParams,
} from "@vespera/protocol";
import { plural } from "./runs";

const fence = (language: string, text: string): string => {
  const ticks = text.includes("```") ? "````" : "```";
  return `${ticks}${language}\n${text.replace(/\n$/, "")}\n${ticks}`;
};

const json = (value: unknown): string => fence("json", JSON.stringify(value, null, 2));

function steps(title: string, items: Record<string, unknown>[] | undefined): string[] {
  if (!items?.length) {
    return [];
  }
  return [`## ${title}`, "", ...items.map((item) => `- ${stepLine(item)}`), ""];
}

function stepLine(step: Record<string, unknown>): string {
  const show = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));
  if ("condition" in step) {
    return `\`${show(step.condition)}\` → ${show(step.value)}`;
  }
  const parts = [`\`${show(step.action ?? "step")}\``];
  if (step.label) {
    parts.push(show(step.label));
  }
  if (step.skipped) {
    parts.push(`skipped (${show(step.skipped)})`);
  }
  if (step.error) {
    parts.push(`**failed:** ${show(step.error)}`);
  } else if (step.result !== undefined) {
    parts.push(`→ ${show(step.result)}`);
  }
  const nested = Array.isArray(step.steps) ? (step.steps as Record<string, unknown>[]) : [];
  return [parts.join(" "), ...nested.map((s) => `  - ${stepLine(s)}`)].join("\n");
}

export function traceMarkdown(trace: RunTrace): string {
  const lines = [
    `# Run ${trace.run}: ${trace.ruleName}`,
    "",
    `- **Outcome:** ${trace.outcome}${trace.error ? `: ${trace.error}` : ""}`,
    `- **Rule:** \`${trace.rule}\` in \`${trace.ruleFile}\` (version ${trace.ruleVersion})`,
    `- **Event:** \`${trace.event.type}\` on \`${trace.event.subject}\` at ${trace.event.time} (by ${trace.event.actor})`,
    `- **Started:** ${trace.started}, took ${trace.durationMs} ms`,
  ];
  if (trace.undoneBy) {
    lines.push(`- **Undone** by ${trace.undoneBy}`);
  }
  if (trace.stop) {
    lines.push(`- **Stopped:** ${trace.stop}`);
  }
  lines.push("");
  lines.push(...steps("Conditions", trace.conditions));
  lines.push(...steps("Actions", trace.actions));
  if (trace.changes?.length) {
    lines.push("## Changes", "", ...trace.changes.map((c) => `- ${c.kind} \`${c.path}\`: ${c.summary}`), "");
  }
  if (trace.messages?.length) {
    lines.push("## Messages", "", ...trace.messages.map((m) => `- ${m.level ?? "info"}: ${m.message}`), "");
  }
  if (trace.rollback) {
    lines.push("## Rolled back", "", json(trace.rollback), "");
  }
  lines.push("## Event data", "", json(trace.event.data ?? {}), "");
  return lines.join("\n");
}

export function dryRunMarkdown(result: DryRunResult, note: string): string {
  const verdict = !result.matched
    ? "would **not** start: its trigger does not take this event"
    : result.ran
      ? "would **run**"
      : "would start but **not run**: its conditions do not hold";
  const lines = [
    `# Dry run of ${result.ruleName} on ${note}`,
    "",
    `The rule \`${result.rule}\` ${verdict}${result.reason ? ` (${result.reason})` : ""}. Nothing was written.`,
    "",
    `Tried on \`${result.event.type}\` on \`${result.event.subject}\`.`,
    "",
  ];
  if (result.error) {
    lines.push(`**Error:** ${result.error}`, "");
  }
  lines.push(...steps("Conditions", result.conditions));
  lines.push(...steps("Actions", result.actions));
  for (const change of result.changes ?? []) {
    lines.push(`## Would be ${change.kind}: ${change.path}`, "", change.summary, "", fence("diff", change.diff), "");
  }
  if (result.messages?.length) {
    lines.push("## Messages", "", ...result.messages.map((m) => `- ${m}`), "");
  }
  return lines.join("\n");
}

export function replayMarkdown(result: ReplayResult, period: string): string {
  const lines = [
    `# Replay of ${result.rule} over ${period}`,
    "",
    result.summary,
    "",
    `- events scanned: ${result.scanned}`,
    `- events its trigger considered: ${result.considered}`,
    `- would have fired: ${result.fired}`,
  ];
  if (result.truncated) {
    lines.push("- (stopped at the limit; narrow the period to see the rest)");
  }
  const notTaken = Object.entries(result.notTaken ?? {});
  if (notTaken.length) {
    lines.push("", "## Not taken", "", ...notTaken.map(([why, n]) => `- ${why}: ${n}`));
  }
  for (const run of result.runs ?? []) {
    lines.push("", `## ${run.event.time}: ${run.event.type} on ${run.event.subject}`, "");
    lines.push(run.ran ? "Would run." : `Would not run${run.reason ? `: ${run.reason}` : ""}.`);
    for (const change of run.changes ?? []) {
      lines.push("", `${change.kind} \`${change.path}\`: ${change.summary}`, "", fence("diff", change.diff));
    }
  }
  return lines.join("\n") + "\n";
}

export function explainMarkdown(entries: ExplainEntry[], what: string, status?: AutomationStatus): string {
  const held = status && !status.enabled ? `\n> Automation is off (${status.held ?? "switched off"}), so no rule runs.\n` : "";
  if (!entries.length) {
    return `# Why rules did not fire: ${what}\n\nNo event of this note reached a rule that listens for it yet.\n${held}`;
  }
  const lines = [`# Why rules did or did not fire: ${what}`, "", "Newest first.", ""];
  for (const e of entries) {
    const ran = e.stage === "ran";
    lines.push(
      `- **${e.time}** \`${e.rule}\` on \`${e.eventType}\` (${e.subject}): ${ran ? "ran" : `not run at **${e.stage}**`}, ${e.reason}${e.run ? ` (run ${e.run})` : ""}`,
    );
  }
  return lines.join("\n") + "\n" + held;
}

export function statusMarkdown(
  vaults: { name: string; index?: StatusParams; automation?: AutomationStatus; semantic?: SemanticStatus }[],
  trusted: boolean,
): string {
  const lines = ["# Vespera status", ""];
  if (!trusted) {
    lines.push(
      "> This workspace is not trusted: automation rules do not run and notes are not sent to a remote embedding service. Use *Manage Workspace Trust* to change that.",
      "",
    );
  }
  for (const vault of vaults) {
    lines.push(`## ${vault.name}`, "");
    const index = vault.index;
    if (index) {
      lines.push(`- **Index:** ${index.state}${index.notes !== undefined ? `, ${index.notes} notes` : ""}${index.problems ? `, ${index.problems} problems` : ""}${index.message ? ` (${index.message})` : ""}`);
    }
    const semantic = vault.semantic;
    if (semantic) {
      lines.push(`- **Embeddings:** ${semantic.state}, ${semantic.notes} notes, ${semantic.pending} waiting (${semantic.model})${semantic.message ? `: ${semantic.message}` : ""}`);
    }
    const auto = vault.automation;
    if (auto) {
      lines.push(
        `- **Automation:** ${auto.enabled ? "on" : `off (${auto.held ?? "switched off"})`}; today ${plural(auto.runsToday ?? 0, "run")}, ${auto.failuresToday ?? 0} failed, ${plural(auto.loopStopsToday ?? 0, "loop stop")}, ${plural(auto.eventsToday ?? 0, "event")}`,
      );
      if (auto.openBreakers?.length) {
        lines.push(`- **Paused by the breaker:** ${auto.openBreakers.join(", ")}`);
      }
      lines.push("", "| rule | file | state |", "|---|---|---|");
      for (const rule of auto.rules ?? []) {
        const state = rule.active ? (rule.mode ?? "on") : `off${rule.reason ? `: ${rule.reason}` : ""}`;
        lines.push(`| ${rule.name} (\`${rule.rule}\`) | ${rule.file} | ${state} |`);
      }
    }
    lines.push("");
  }
  return lines.join("\n");
}
