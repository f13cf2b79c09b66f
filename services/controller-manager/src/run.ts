/**
 * The controller manager: the node controller, the workload controllers (ReplicaSet,
 * Deployment, DaemonSet, Job), the endpoints controller, the garbage collector, the
 * namespace controller and the service-account controller, on one NATS
 * connection and one set of shared informers. Every controller registers its informer
 * handlers first; the informers start after, so each handler sees every object.
 */
import { ApiClient, EventRecorder } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import type { NatsConnection } from "@nats-io/transport-node";
import { DaemonSetController } from "./daemonset/controller.ts";
import { DeploymentController } from "./deployment/controller.ts";
import { EndpointsController } from "./endpoints/controller.ts";
import { GarbageCollector } from "./gc/controller.ts";
import { SharedInformers } from "./informers.ts";
import { JobController } from "./job/controller.ts";
import { NamespaceController } from "./namespace/controller.ts";
import { NodeController, type NodeControllerOptions } from "./node/controller.ts";
import { ReplicaSetController } from "./replicaset/controller.ts";
import { ServiceAccountController } from "./serviceaccount/controller.ts";
import { TokensController } from "./serviceaccount/tokens-controller.ts";
import type { ServiceAccountTokenGenerator } from "./serviceaccount/tokens.ts";

export interface ControllerManagerOptions {
  node?: NodeControllerOptions;
  /** PEM of the cluster CA, published to every namespace as the `kube-root-ca.crt` ConfigMap. */
  rootCaPem?: string;
  /**
   * Signs the tokens of `kubernetes.io/service-account-token` Secrets (Kubernetes'
   * --service-account-private-key-file). Without it those Secrets are left as they are.
   */
  serviceAccountTokenGenerator?: ServiceAccountTokenGenerator;
}

export interface ControllerManager {
  node: NodeController;
  stop(): Promise<void>;
}

export async function startControllerManager(nc: NatsConnection, log: Logger, opts: ControllerManagerOptions = {}): Promise<ControllerManager> {
  const client = new ApiClient(nc, { subjectPrefix: opts.node?.subjectPrefix ?? "flotilla", managedFields: false });
  const informers = new SharedInformers(client, log.child({ component: "informers" }));
  const recorder = (component: string) => new EventRecorder(client, component, log);
  const node = new NodeController({ client, nc, log: log.child({ controller: "node" }), events: recorder("node-controller"), informers }, opts.node);
  const loops = [
    new ReplicaSetController({ client, log: log.child({ controller: "replicaset" }), events: recorder("replicaset-controller"), informers }),
    new DeploymentController({ client, log: log.child({ controller: "deployment" }), events: recorder("deployment-controller"), informers }),
    new DaemonSetController({ client, log: log.child({ controller: "daemonset" }), events: recorder("daemonset-controller"), informers }),
    new JobController({ client, log: log.child({ controller: "job" }), events: recorder("job-controller"), informers }),
    new EndpointsController({ client, log: log.child({ controller: "endpoints" }), events: recorder("endpoint-controller"), informers }),
    new GarbageCollector({ client, log: log.child({ controller: "garbage-collector" }), informers }),
    new NamespaceController({ client, log: log.child({ controller: "namespace" }), informers }),
    new ServiceAccountController({ client, log: log.child({ controller: "serviceaccount" }), informers }, { rootCaPem: opts.rootCaPem }),
    ...(opts.serviceAccountTokenGenerator
      ? [new TokensController({ client, log: log.child({ controller: "serviceaccount-token" }), informers }, { generator: opts.serviceAccountTokenGenerator, rootCaPem: opts.rootCaPem })]
      : []),
  ];
  if (!opts.serviceAccountTokenGenerator) log.info("no service-account private key: token Secrets will not be filled in");
  informers.start();
  const abort = new AbortController();
  const running = loops.map((c) => c.run(abort.signal).catch((err: unknown) => log.error({ err }, "controller stopped")));
  await node.start();
  return {
    node,
    async stop() {
      node.stop();
      abort.abort();
      await Promise.all(running);
      informers.stop();
    },
  };
}
