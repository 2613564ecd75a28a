// Starting the sidecar: the command line from the settings, and the diagnosis of failures.
import assert from "node:assert/strict";
import { test } from "node:test";
import { diagnose, launchOf, probe } from "@vespera/client-core";
import { program } from "./helpers";

test("the command, or the interpreter when one is set", () => {
  assert.deepEqual(launchOf({ command: "", python: "", args: [] }), {
    command: "vespera",
    args: ["serve"],
    setting: "vespera.server.command",
  });
  assert.deepEqual(launchOf({ command: "vespera", python: " /venv/bin/python ", args: ["-v"] }), {
    command: "/venv/bin/python",
    args: ["-m", "vespera", "serve", "-v"],
    setting: "vespera.server.python",
  });
});

test("probing reads the version, and tells a program that is not Vespera", async () => {
  const good = await probe(launchOf({ command: program("v1", "vespera 0.1.0\n"), python: "", args: [] }));
  assert.deepEqual(good, { version: "0.1.0" });
  const other = await probe(launchOf({ command: program("v2", "Python 3.12.1\n"), python: "", args: [] }));
  assert.ok("problem" in other);
  assert.match(other.problem.message, /is not Vespera/);
});

test("an old Python is named as such", () => {
  const launch = launchOf({ command: "", python: "/usr/bin/python3.8", args: [] });
  const problem = diagnose(launch, Object.assign(new Error("exit"), { code: 1 }), "", "SyntaxError: invalid syntax");
  assert.match(problem.message, /too old/);
  assert.match(problem.fix, /3\.11 or later/);
});

test("a program that hangs is reported, not waited on for ever", async () => {
  const slow = program("slow", "", "", 0);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(slow, "#!/bin/sh\nsleep 5\n");
  const found = await probe(launchOf({ command: slow, python: "", args: [] }), process.env, 200);
  assert.ok("problem" in found);
  assert.match(found.problem.message, /did not answer/);
});
