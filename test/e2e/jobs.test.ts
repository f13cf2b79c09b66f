/**
 * Jobs end to end with the real kubectl: a Job runs its completions at most
 * `parallelism` pods at a time and completes (`kubectl wait --for=condition=complete`);
 * a Job whose pods keep failing stops at its backoff limit; a Job that outlives
 * activeDeadlineSeconds is stopped. The server runs its own node on the process runtime.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ApiClient } from "@flotilla/bus";
import type { PodObject } from "@flotilla/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBECTL, kubectl, kubectlOk, startFlotillaServer, type FlotillaServer, type KubectlResult } from "../support/flotilla.ts";

let server: FlotillaServer;
let nc: NatsConnection;
let client: ApiClient;

const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

function jobManifest(name: string, spec: { completions?: number; parallelism?: number; backoffLimit?: number; activeDeadlineSeconds?: number }, script: string): string {
  return JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      ...spec,
      template: {
        spec: { runtimeClassName: "process", restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "none", command: ["sh", "-c", script] }] },
      },
    },
  });
}

async function until(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nserver:\n${server.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Listed<T> = { items: T[] };
type JobJson = { metadata: { uid: string }; status?: { succeeded?: number; failed?: number; active?: number; completionTime?: string; conditions?: { type: string; status: string; reason?: string }[] } };
const json = <T,>(args: string[]): T => JSON.parse(kubectlOk(server, [...args, "-o", "json"])) as T;
const podsOf = (job: string) => json<Listed<PodObject>>(["get", "pods", "-l", `${JOB_NAME_LABEL}=${job}`]).items;
const jobOf = (job: string) => json<JobJson>(["get", "job", job]);
const condition = (j: JobJson, type: string) => j.status?.conditions?.find((c) => c.type === type);
const eventReasons = (job: string) => kubectlOk(server, ["get", "events", "--field-selector", `involvedObject.kind=Job,involvedObject.name=${job}`, "-o", "jsonpath={.items[*].reason}"]).split(" ");

/**
 * kubectl as `kubectl()` runs it (same binary, private HOME, the cluster's kubeconfig),
 * but without blocking the event loop, so the test's pod watch keeps reading meanwhile.
 */
function kubectlAsync(args: string[], input?: string): Promise<KubectlResult> {
  const child = spawn(KUBECTL, args, { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: join(server.dataDir, "home"), KUBECONFIG: server.kubeconfig } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  child.stdin.end(input ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/** Waits for the job's condition with `kubectl wait`, as a user would. */
async function kubectlWait(job: string, condition: string, timeout: string): Promise<string> {
  const r = await kubectlAsync(["wait", `--for=condition=${condition}`, `job/${job}`, `--timeout=${timeout}`]);
  if (r.code !== 0) throw new Error(`kubectl wait for ${condition} of job/${job} failed (${r.code}): ${r.stderr}\n${kubectl(server, ["get", "job", job, "-o", "yaml"]).stdout}\nserver:\n${server.logs().slice(-3000)}`);
  return r.stdout;
}

beforeAll(async () => {
  server = await startFlotillaServer({ extraArgs: ["--runtime", "process"] });
  nc = await connect({ servers: server.natsUrl });
  client = new ApiClient(nc);
  await until("a Ready node", () => kubectl(server, ["get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}"]).stdout === "True");
}, 60_000);

afterAll(async () => {
  if (server) kubectl(server, ["delete", "jobs", "--all", "--wait=false"]);
  await nc?.close();
  await server?.stop();
});

describe("jobs", () => {
  it("e2e: a Job of 5 completions, 2 in parallel, completes and never runs more than 2 pods at once", async () => {
    // Every pod of the job seen so far: whether it is active (not finished, not being deleted).
    const active = new Map<string, boolean>();
    let most = 0;
    // From a resourceVersion taken before the job exists, the watch sees every event.
    const selector = `${JOB_NAME_LABEL}=squares`;
    const { resourceVersion } = (await client.list("pods", "default", { labelSelector: selector })).metadata;
    const watch = client.watch("pods", "default", { labelSelector: selector, ...(resourceVersion ? { resourceVersion } : {}) });
    const watching = (async () => {
      for await (const ev of watch) {
        const p = ev.object as unknown as PodObject;
        const phase = p.status?.phase;
        active.set(p.metadata?.name ?? "", ev.type !== "DELETED" && !p.metadata?.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed");
        most = Math.max(most, [...active.values()].filter(Boolean).length);
      }
    })();

    const applied = await kubectlAsync(["apply", "-f", "-"], jobManifest("squares", { completions: 5, parallelism: 2 }, "sleep 1"));
    expect(applied.stdout).toContain("job.batch/squares created");
    expect(await kubectlWait("squares", "complete", "60s")).toContain("job.batch/squares condition met");
    await until("the watch to see 5 pods finish", () => active.size === 5 && [...active.values()].every((a) => !a), 10_000);
    watch.stop();
    await watching;

    expect(most).toBe(2);
    expect(kubectlOk(server, ["get", "job", "squares"])).toMatch(/squares\s+Complete\s+5\/5\s/);
    const job = jobOf("squares");
    expect(job.status).toMatchObject({ succeeded: 5, active: 0 });
    expect(job.status?.completionTime).toBeDefined();
    const pods = podsOf("squares");
    expect(pods.map((p) => p.status?.phase)).toEqual(Array(5).fill("Succeeded"));
    expect(pods.every((p) => p.metadata?.ownerReferences?.[0]?.uid === job.metadata.uid && p.metadata.ownerReferences[0].controller === true)).toBe(true);
    expect(eventReasons("squares")).toEqual(expect.arrayContaining(["SuccessfulCreate", "Completed"]));
  }, 90_000);

  it("e2e: a Job whose pod always exits 1, with backoffLimit 1, fails with BackoffLimitExceeded after exactly 2 pods", async () => {
    kubectlOk(server, ["apply", "-f", "-"], jobManifest("always-fails", { backoffLimit: 1 }, "exit 1"));
    // The second pod waits out the 10 s backoff after the first failure.
    await kubectlWait("always-fails", "failed", "60s");
    const job = jobOf("always-fails");
    expect(condition(job, "Failed")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded" });
    expect(job.status?.failed).toBe(2);
    expect(kubectlOk(server, ["get", "job", "always-fails"])).toMatch(/always-fails\s+Failed\s+0\/1\s/);
    await new Promise((r) => setTimeout(r, 1000)); // time for a wrong third pod to show
    expect(podsOf("always-fails").map((p) => p.status?.phase)).toEqual(["Failed", "Failed"]);
    expect(eventReasons("always-fails")).toEqual(expect.arrayContaining(["SuccessfulCreate", "BackoffLimitExceeded"]));
  }, 90_000);

  it("e2e: a Job running past activeDeadlineSeconds 2 has its pod stopped and fails with DeadlineExceeded", async () => {
    kubectlOk(server, ["apply", "-f", "-"], jobManifest("overtime", { activeDeadlineSeconds: 2 }, "exec sleep 600"));
    await kubectlWait("overtime", "failed", "30s");
    const job = jobOf("overtime");
    expect(condition(job, "Failed")).toMatchObject({ status: "True", reason: "DeadlineExceeded" });
    expect(job.status?.active).toBe(0);
    // Failed is set only once the pod has stopped: none is left running.
    expect(podsOf("overtime").filter((p) => p.status?.phase === "Running" || p.status?.phase === "Pending")).toEqual([]);
    expect(eventReasons("overtime")).toEqual(expect.arrayContaining(["SuccessfulDelete", "DeadlineExceeded"]));
  }, 60_000);
});
