/**
 * Runs every vitest project and ends with the one line CI reads: "N passed, M failed".
 * vitest's own summary is printed above it for people; the count comes from its JSON
 * report so skipped and todo tests are not counted as passed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

const dir = mkdtempSync(join(tmpdir(), "flotilla-test-"));
const out = join(dir, "report.json");
const args = ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...process.argv.slice(2)];
const res = spawnSync("npx", ["--no-install", ...args], { stdio: "inherit", env: process.env });

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(out, "utf8")) as JsonReport;
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  skipped = report.numPendingTests + report.numTodoTests;
  // A suite that failed to load has no failed test but is a failure all the same.
  if (!report.success && failed === 0) failed = 1;
} catch {
  failed = Math.max(1, failed);
}
rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || res.status !== 0 ? 1 : 0);
