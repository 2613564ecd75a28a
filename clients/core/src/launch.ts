// How the sidecar is started, and what to tell the writer when it cannot be. No `vscode`
// here: the integration test starts the real sidecar with the same code.
import { execFile } from "node:child_process";

/** The settings that say how to start the sidecar. */
export interface LaunchSettings {
  /** The `vespera` command: a name on PATH or a full path. */
  command: string;
  /** A Python interpreter with Vespera installed; when set, used instead of `command`. */
  python: string;
  /** Extra arguments for `vespera serve`. */
  args: string[];
}

export interface Launch {
  command: string;
  args: string[];
  /** The setting that chose the program, for the fix of a failure. */
  setting: "vespera.server.command" | "vespera.server.python";
}

/** A failure to start, in the writer's words, with what to do about it. */
export interface StartProblem {
  message: string;
  fix: string;
  setting: Launch["setting"];
}

export function launchOf(settings: LaunchSettings): Launch {
  const python = settings.python.trim();
  if (python) {
    return {
      command: python,
      args: ["-m", "vespera", "serve", ...settings.args],
      setting: "vespera.server.python",
    };
  }
  return {
    command: settings.command.trim() || "vespera",
    args: ["serve", ...settings.args],
    setting: "vespera.server.command",
  };
}

/** The launch as a command line, for messages. */
export function commandLine(launch: Launch): string {
  return [launch.command, ...launch.args].map((p) => (/\s/.test(p) ? `"${p}"` : p)).join(" ");
}

/** The same program asked for its version instead of serving: a cheap check that it runs. */
function versionArgs(launch: Launch): string[] {
  const serve = launch.args.indexOf("serve");
  return [...launch.args.slice(0, serve), "--version"];
}

interface ExecFailure extends Error {
  code?: string | number | null;
  killed?: boolean;
}

/**
 * Runs the launch's program with `--version`. Resolves with the version it printed, or with
 * the problem that stops it from starting (so the writer gets a fix, not a broken pipe).
 */
export function probe(
  launch: Launch,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 30_000,
): Promise<{ version: string } | { problem: StartProblem }> {
  return new Promise((resolve) => {
    execFile(
      launch.command,
      versionArgs(launch),
      { env, timeout: timeoutMs, windowsHide: true },
      (error: ExecFailure | null, stdout: string, stderr: string) => {
        const printed = stdout.trim();
        if (!error && /^vespera\s+\S+/.test(printed)) {
          resolve({ version: printed.split(/\s+/)[1] ?? printed });
          return;
        }
        resolve({ problem: diagnose(launch, error, printed, stderr) });
      },
    );
  });
}

/** What went wrong when the program was run, and the fix. */
export function diagnose(
  launch: Launch,
  error: ExecFailure | null,
  stdout: string,
  stderr: string,
): StartProblem {
  const usingPython = launch.setting === "vespera.server.python";
  const lastLine = stderr.trim().split(/\r?\n/).pop() ?? "";
  const problem = (message: string, fix: string): StartProblem => ({
    message,
    fix,
    setting: launch.setting,
  });
  if (error?.code === "ENOENT") {
    return usingPython
      ? problem(
          `The Python interpreter '${launch.command}' was not found.`,
          "Set 'vespera.server.python' to the full path of a Python 3.11 (or later) interpreter " +
            "that has Vespera installed, or clear it to use the 'vespera' command.",
        )
      : problem(
          `The command '${launch.command}' was not found.`,
          "Install Vespera (pip install vespera, or 'make install' in its repository) and put " +
            "its 'vespera' command on PATH, or set 'vespera.server.command' to its full path.",
        );
  }
  if (error?.code === "EACCES") {
    return problem(
      `'${launch.command}' cannot be run (permission denied).`,
      `Make it executable, or set '${launch.setting}' to another program.`,
    );
  }
  if (error?.killed) {
    return problem(
      `'${commandLine(launch)}' did not answer within the time allowed.`,
      "Run it in a terminal to see where it hangs; 'vespera serve -v' logs to stderr.",
    );
  }
  if (usingPython && /No module named vespera/.test(stderr)) {
    return problem(
      `The Python at '${launch.command}' does not have Vespera installed.`,
      `Run '${launch.command} -m pip install vespera', or set 'vespera.server.python' to the ` +
        "interpreter of the environment where Vespera is installed.",
    );
  }
  if (/SyntaxError|requires a different Python/.test(stderr)) {
    return problem(
      `'${launch.command}' runs a Python too old for Vespera (${lastLine}).`,
      `Vespera needs Python 3.11 or later: set '${launch.setting}' to such an interpreter.`,
    );
  }
  if (!error) {
    return problem(
      `'${launch.command}' is not Vespera (asked for its version, it printed '${stdout}').`,
      `Set '${launch.setting}' to Vespera's command or interpreter.`,
    );
  }
  return problem(
    `'${commandLine(launch)}' failed (exit ${String(error.code)}): ${lastLine || error.message}`,
    `Run it in a terminal to see the whole error, or check '${launch.setting}'.`,
  );
}
