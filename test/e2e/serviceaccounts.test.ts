/**
 * Service accounts end to end with the real kubectl: every namespace gets a `default`
 * account and the cluster CA; `kubectl create token` makes tokens the apiserver accepts
 * as bearer tokens (and stops accepting once their account or pod is gone); a pod finds
 * its token, the CA and its namespace at /var/run/secrets/kubernetes.io/serviceaccount
 * and reaches the apiserver with them. A `kubernetes.io/service-account-token` Secret is
 * filled in by the controller manager with a long-lived token that works until the
 * Secret (or its account) is deleted.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, kubectlOk, startFlotillaServer, type FlotillaServer } from "../support/flotilla.ts";
import { BUSYBOX_IMAGE, buildBusyboxImage, dockerSkipReason } from "../support/docker.ts";

const MARK = `flotilla-e2e-sa-${randomBytes(4).toString("hex")}`;
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const dockerSkip = dockerSkipReason();

let server: FlotillaServer;

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nserver:\n${server.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ok = (args: string[], input?: string) => kubectlOk(server, args, input);
const asToken = (token: string, args: string[]) => kubectl(server, ["--token", token, ...args]);
const whoami = (token: string) => asToken(token, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);

function processPod(name: string, script: string, spec: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { runtimeClassName: "process", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "none", command: ["sh", "-c", script, `${MARK}-${name}`] }], ...spec },
  });
}

/** YAML for `kubectl apply -f -`: the account (when named) and a token Secret for `account` (default: the same). */
function tokenSecretManifest(create: string | undefined, secretName: string, account = create): string {
  const sa = create ? `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${create}\n---\n` : "";
  return `${sa}apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: ${secretName}\n  annotations:\n    kubernetes.io/service-account.name: ${account}\n`;
}

beforeAll(async () => {
  if (!dockerSkip) buildBusyboxImage();
  server = await startFlotillaServer();
  await until("node Ready", () => kubectl(server, ["wait", "--for=condition=Ready", "node", "--all", "--timeout=1s"]).code === 0, 60_000);
}, 120_000);

afterAll(async () => {
  kubectl(server, ["delete", "pods", "--all", "-A", "--wait=true", "--timeout=60s"]);
  await server?.stop();
}, 120_000);

describe("service accounts", () => {
  it("e2e: a new namespace gets its default ServiceAccount and the cluster CA; a deleted default account comes back", async () => {
    ok(["create", "namespace", "team-a"]);
    await until("default account", () => kubectl(server, ["get", "sa", "default", "-n", "team-a"]).code === 0);
    const ca = await until("kube-root-ca.crt", () => {
      const r = kubectl(server, ["get", "configmap", "kube-root-ca.crt", "-n", "team-a", "-o", "jsonpath={.data.ca\\.crt}"]);
      return r.code === 0 && r.stdout;
    });
    expect(ca).toBe(readFileSync(join(server.dataDir, "pki", "ca.crt"), "utf8"));

    const uid = ok(["get", "sa", "default", "-n", "team-a", "-o", "jsonpath={.metadata.uid}"]);
    ok(["delete", "sa", "default", "-n", "team-a"]);
    await until("a new default account", () => {
      const r = kubectl(server, ["get", "sa", "default", "-n", "team-a", "-o", "jsonpath={.metadata.uid}"]);
      return r.code === 0 && r.stdout !== uid;
    });
  });

  it("e2e: kubectl --token with a service-account token is accepted until its account is deleted; other tokens are refused", async () => {
    ok(["create", "serviceaccount", "ci"]);
    const token = ok(["create", "token", "ci"]).trim();
    expect(token.split(".")).toHaveLength(3);
    const r = asToken(token, ["get", "pods"]);
    expect(r.code, r.stderr).toBe(0);
    expect(whoami(token).stdout).toBe("system:serviceaccount:default:ci");

    const forged = `${token.slice(0, -4)}AAAA`;
    expect(asToken(forged, ["get", "pods"]).stderr).toMatch(/Unauthorized/);
    expect(asToken("not-a-token", ["get", "pods"]).stderr).toMatch(/Unauthorized/);
    expect(kubectl(server, ["create", "token", "ci", "--duration=5m"]).stderr).toMatch(/spec.expirationSeconds/);
    expect(kubectl(server, ["create", "token", "nobody"]).stderr).toMatch(/serviceaccounts "nobody" not found/);

    ok(["delete", "serviceaccount", "ci"]);
    // Accepted tokens are cached for at most 10 s.
    await until("the token to be refused", () => /Unauthorized/.test(asToken(token, ["get", "pods"]).stderr), 15_000);
  });

  it("e2e: a token Secret gets a long-lived token from the controller manager; it works until the Secret is deleted", async () => {
    ok(["apply", "-f", "-"], tokenSecretManifest("robot", "robot-token"));
    const field = (path: string) => ok(["get", "secret", "robot-token", "-o", `jsonpath={${path}}`]);
    const encoded = await until("the Secret's token", () => {
      const r = kubectl(server, ["get", "secret", "robot-token", "-o", "jsonpath={.data.token}"]);
      return r.code === 0 && r.stdout;
    });
    const token = Buffer.from(encoded, "base64").toString();
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: "kubernetes/serviceaccount", sub: "system:serviceaccount:default:robot", "kubernetes.io/serviceaccount/secret.name": "robot-token" });
    expect(claims["exp"]).toBeUndefined();
    expect(Buffer.from(field(".data.namespace"), "base64").toString()).toBe("default");
    expect(Buffer.from(field(".data.ca\\.crt"), "base64").toString()).toBe(readFileSync(join(server.dataDir, "pki", "ca.crt"), "utf8"));
    expect(field(".metadata.annotations.kubernetes\\.io/service-account\\.uid")).toBe(ok(["get", "sa", "robot", "-o", "jsonpath={.metadata.uid}"]));

    const r = asToken(token, ["get", "pods"]);
    expect(r.code, r.stderr).toBe(0);
    expect(whoami(token).stdout).toBe("system:serviceaccount:default:robot");

    ok(["delete", "secret", "robot-token"]);
    // Accepted tokens are cached for at most 10 s; -v=6 shows the status code.
    await until("the token to be refused with 401", () => / 401 Unauthorized /.test(asToken(token, ["get", "pods", "-v=6"]).stderr), 12_000);
  });

  it("e2e: deleting an account deletes its token Secrets; a token Secret for a missing account is deleted", async () => {
    ok(["apply", "-f", "-"], tokenSecretManifest("builder", "builder-token"));
    await until("the Secret's token", () => kubectl(server, ["get", "secret", "builder-token", "-o", "jsonpath={.data.token}"]).stdout !== "");
    ok(["delete", "serviceaccount", "builder"]);
    await until("the Secret to go with its account", () => /NotFound/.test(kubectl(server, ["get", "secret", "builder-token"]).stderr));

    ok(["apply", "-f", "-"], tokenSecretManifest(undefined, "ghost-token", "ghost"));
    await until("the Secret naming nobody to go", () => /NotFound/.test(kubectl(server, ["get", "secret", "ghost-token"]).stderr));
  });

  it("e2e: a pod reads its token, CA and namespace at the well-known path and lists pods with them", async () => {
    const call = `curl -sS --cacert ${SA_DIR}/ca.crt -H "Authorization: Bearer $(cat ${SA_DIR}/token)" "https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api/v1/namespaces/$(cat ${SA_DIR}/namespace)/pods"`;
    ok(["apply", "-f", "-"], processPod("caller", `${call}; echo; sleep 3600`));
    ok(["wait", "--for=condition=Ready", "pod/caller", "--timeout=60s"]);
    const spec = JSON.parse(ok(["get", "pod", "caller", "-o", "json"])) as { spec: { serviceAccountName: string; volumes: { name: string }[] } };
    expect(spec.spec.serviceAccountName).toBe("default");
    expect(spec.spec.volumes.map((v) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)]);

    const logs = await until("the pod's API call", () => {
      const out = kubectl(server, ["logs", "caller"]).stdout;
      return out.includes("PodList") && out;
    });
    expect((JSON.parse(logs.trim()) as { items: { metadata: { name: string } }[] }).items.map((p) => p.metadata.name)).toContain("caller");
    expect(ok(["exec", "caller", "--", "cat", `${SA_DIR}/namespace`])).toBe("default");

    // The pod's token is bound to the pod: it names it, and dies with it.
    const token = ok(["exec", "caller", "--", "cat", `${SA_DIR}/token`]).trim();
    const extra = asToken(token, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.extra.authentication\\.kubernetes\\.io/pod-name}"]);
    expect(extra.stdout).toBe(`["caller"]`);
    ok(["delete", "pod", "caller", "--wait=true", "--timeout=60s"]);
    await until("the pod's token to be refused", () => /Unauthorized/.test(asToken(token, ["get", "pods"]).stderr), 15_000);
  });

  it("e2e: a pod that opts out gets no token; a pod naming a missing account is refused", () => {
    ok(["apply", "-f", "-"], processPod("quiet", "sleep 3600", { automountServiceAccountToken: false }));
    ok(["wait", "--for=condition=Ready", "pod/quiet", "--timeout=60s"]);
    expect(ok(["get", "pod", "quiet", "-o", "jsonpath={.spec.volumes}"])).toBe("");
    expect(kubectl(server, ["exec", "quiet", "--", "cat", `${SA_DIR}/token`]).code).not.toBe(0);
    ok(["delete", "pod", "quiet", "--wait=true", "--timeout=60s"]);

    const r = kubectl(server, ["apply", "-f", "-"], processPod("lost", "sleep 1", { serviceAccountName: "nobody" }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/error looking up service account default\/nobody/);
  });

  it.skipIf(dockerSkip !== undefined)(`e2e: a docker pod sees the same files at the well-known path${dockerSkip ? ` (skipped: ${dockerSkip})` : ""}`, () => {
    ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "in-docker" },
      spec: { runtimeClassName: "docker", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: BUSYBOX_IMAGE, imagePullPolicy: "Never", command: ["sleep", "600"] }] },
    }));
    ok(["wait", "--for=condition=Ready", "pod/in-docker", "--timeout=60s"]);
    expect(ok(["exec", "in-docker", "--", "cat", `${SA_DIR}/namespace`])).toBe("default");
    expect(ok(["exec", "in-docker", "--", "cat", `${SA_DIR}/ca.crt`])).toBe(readFileSync(join(server.dataDir, "pki", "ca.crt"), "utf8"));
    const token = ok(["exec", "in-docker", "--", "cat", `${SA_DIR}/token`]).trim();
    expect(whoami(token).stdout).toBe("system:serviceaccount:default:default");
    expect(kubectl(server, ["exec", "in-docker", "--", "touch", `${SA_DIR}/x`]).code).not.toBe(0);
    ok(["delete", "pod", "in-docker", "--wait=true", "--timeout=60s"]);
  });
});
