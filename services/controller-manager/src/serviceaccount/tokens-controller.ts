/**
 * Kubernetes' tokens controller: fills in `kubernetes.io/service-account-token` Secrets
 * and deletes those whose account is gone (decisions in tokens.ts). One key per token
 * Secret; an account's events bring back every token Secret that names it, found through
 * a small index rather than a scan of every Secret.
 *
 * It reads the shared Secret and ServiceAccount informers, which the garbage collector
 * keeps anyway: following them costs no extra watch or memory.
 *
 * Runs only when the controller manager has the service-account private key: a token
 * signed with any other key would be refused by the apiservers.
 */
import { ConflictError, NotFoundError, type KubeObject } from "@flotilla/api";
import type { ApiClient } from "@flotilla/bus";
import { runController, WorkQueue } from "@flotilla/controller";
import { keyOf, type Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";
import { accountNameOf, isTokenSecret, planTokenSecret, populatedSecret, type ServiceAccountTokenGenerator } from "./tokens.ts";

const MANAGER = "serviceaccount-token-controller";

export interface TokensControllerOptions {
  /** Signs the tokens; must use the apiservers' service-account key. */
  generator: ServiceAccountTokenGenerator;
  /** The cluster CA, stored in each token Secret as `ca.crt`; none is stored without it. */
  rootCaPem?: string | undefined;
}

export class TokensController {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly queue = new WorkQueue();
  private readonly secrets: Informer<KubeObject>;
  private readonly accounts: Informer<KubeObject>;
  private readonly generator: ServiceAccountTokenGenerator;
  private readonly caPem: string | undefined;
  /** `namespace/account` → keys of the token Secrets that name it. */
  private readonly byAccount = new Map<string, Set<string>>();

  constructor(deps: { client: ApiClient; log: Logger; informers: SharedInformers }, opts: TokensControllerOptions) {
    this.client = deps.client;
    this.log = deps.log;
    this.generator = opts.generator;
    this.caPem = opts.rootCaPem;
    this.secrets = deps.informers.informer<KubeObject>("secrets");
    this.accounts = deps.informers.informer<KubeObject>("serviceaccounts");
    this.secrets.on({
      add: (s) => this.observe(undefined, s),
      update: (old, s) => this.observe(old, s),
      // Nothing to do for a deleted token Secret: its token dies with it (the apiserver checks).
      delete: (s) => this.unindex(s),
    });
    const secretsOf = (sa: KubeObject) => {
      for (const key of this.byAccount.get(keyOf(sa)) ?? []) this.queue.add(key);
    };
    this.accounts.on({ add: secretsOf, update: (_o, sa) => secretsOf(sa), delete: secretsOf });
  }

  run(signal: AbortSignal): Promise<void> {
    // Both caches first: a Secret is judged against the accounts, and one read before the
    // accounts are listed would look orphaned (Kubernetes waits the same way).
    return runController({ name: "serviceaccount-token", synced: [this.secrets.synced, this.accounts.synced], queue: this.queue, workers: 2, reconcile: (key) => this.reconcile(key), log: this.log }, signal);
  }

  private observe(old: KubeObject | undefined, secret: KubeObject): void {
    if (old) this.unindex(old);
    if (!isTokenSecret(secret)) return;
    const account = accountNameOf(secret);
    if (account) {
      const group = `${secret.metadata.namespace ?? ""}/${account}`;
      let keys = this.byAccount.get(group);
      if (!keys) this.byAccount.set(group, (keys = new Set()));
      keys.add(keyOf(secret));
    }
    this.queue.add(keyOf(secret));
  }

  private unindex(secret: KubeObject): void {
    const account = isTokenSecret(secret) ? accountNameOf(secret) : undefined;
    if (!account) return;
    const group = `${secret.metadata.namespace ?? ""}/${account}`;
    const keys = this.byAccount.get(group);
    keys?.delete(keyOf(secret));
    if (keys?.size === 0) this.byAccount.delete(group);
  }

  private async reconcile(key: string): Promise<void> {
    const secret = this.secrets.get(key);
    const namespace = secret?.metadata.namespace ?? "";
    const accountName = secret ? accountNameOf(secret) : undefined;
    let account = accountName ? this.accounts.get(`${namespace}/${accountName}`) : undefined;
    let action = planTokenSecret({ secret, account, caPem: this.caPem });
    if (action.kind === "delete") {
      // Our cache may be behind: an account created a moment before its Secret (one
      // `kubectl apply` of both) must not cost the Secret. Ask the apiserver first.
      account = await this.liveAccount(namespace, accountName!);
      action = planTokenSecret({ secret, account, caPem: this.caPem });
    }
    // planTokenSecret acts only on an existing Secret, and populates only for an existing account.
    if (action.kind === "delete") await this.deleteSecret(secret!, action.why);
    else if (action.kind === "populate") await this.populate(secret!, account!, action.needsToken);
  }

  private async liveAccount(namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.client.get("serviceaccounts", namespace, name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  private async populate(secret: KubeObject, account: KubeObject, needsToken: boolean): Promise<void> {
    const ref = { namespace: secret.metadata.namespace ?? "", name: account.metadata.name ?? "", uid: account.metadata.uid ?? "" };
    const token = needsToken ? await this.generator.generate(ref, secret.metadata.name ?? "") : undefined;
    try {
      await this.client.update("secrets", populatedSecret(secret, account, this.caPem, token), { fieldManager: MANAGER });
    } catch (err) {
      // Changed since we read it (its update event brings it back) or deleted: either way, done here.
      if (err instanceof ConflictError || err instanceof NotFoundError) return;
      throw err;
    }
    this.log.info({ secret: keyOf(secret), serviceAccount: ref.name, token: needsToken }, "token Secret filled in");
  }

  private async deleteSecret(secret: KubeObject, why: string): Promise<void> {
    try {
      // Only this Secret: one re-created under the same name meanwhile is judged on its own.
      await this.client.delete("secrets", secret.metadata.namespace, secret.metadata.name ?? "", { preconditions: { ...(secret.metadata.uid ? { uid: secret.metadata.uid } : {}) } });
    } catch (err) {
      if (err instanceof ConflictError || err instanceof NotFoundError) return;
      throw err;
    }
    this.log.info({ secret: keyOf(secret), why }, "token Secret deleted");
  }
}
