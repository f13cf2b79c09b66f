/**
 * Runs every vitest project and ends with the one line CI reads: "N passed, M failed".
 * vitest's own summary is printed above it for people; the count comes from its JSON
 * reports so skipped and todo tests are not counted as passed.
 *
 * Four phases, one after the other: unit, integration, e2e, chaos. Run together on 2 cores,
 * the unit files (docker image builds, process runtimes) and the e2e files (servers,
 * agents, kubectl) starved the integration tests' 3-node NATS clusters, each fsyncing
 * every write, and a list there waited past its 4 s heartbeat limit (2 of 3 CI runs).
 * Arguments, when given, are passed to a single vitest run instead.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface JsonReport {
  testResults?: { name: string; assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[] }[];
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

const PHASES = [["--project", "unit"], ["--project", "integration"], ["--project", "e2e"], ["--project", "chaos"]];
const dir = mkdtempSync(join(tmpdir(), "flotilla-test-"));
let passed = 0;
let failed = 0;
let skipped = 0;
let status = 0;
/** Each failed test and the start of its message: repeated at the end, where a CI log's tail shows them. */
const failures: string[] = [];
const MESSAGE_CHARS = 1500;
// eslint-disable-next-line no-control-regex
const plain = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, "");
const phases = process.argv.length > 2 ? [process.argv.slice(2)] : PHASES;
phases.forEach((phase, i) => {
  const out = join(dir, `report-${i}.json`);
  const res = spawnSync("npx", ["--no-install", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...phase], { stdio: "inherit", env: process.env });
  if (res.status !== 0) status = 1;
  try {
    const report = JSON.parse(readFileSync(out, "utf8")) as JsonReport;
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
    // A suite that failed to load has no failed test but is a failure all the same.
    if (!report.success && report.numFailedTests === 0) failed += 1;
    for (const file of report.testResults ?? []) {
      for (const t of file.assertionResults ?? []) {
        if (t.status !== "failed") continue;
        const message = plain((t.failureMessages ?? []).join("\n")).split("\n").filter((l) => !/^\s+at /.test(l)).slice(0, 4).join(" | ");
        failures.push(`- ${file.name.replace(`${process.cwd()}/`, "")} > ${t.fullName}\n    ${message.slice(0, MESSAGE_CHARS)}`);
      }
    }
  } catch {
    failed += 1;
  }
});
rmSync(dir, { recursive: true, force: true });
if (failures.length > 0) console.log(`failed tests:\n${failures.join("\n")}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || status !== 0 ? 1 : 0);
