/** core/v1 Service and Endpoints, plus ObjectReference which Endpoints and Events use. */
import { Pkg, IntOrString, bool, int32, list, ref, reqInt32, reqStr, str, strList, strMap, struct } from "./build.ts";
import { Condition, resource } from "./objectmeta.ts";

const C = Pkg.core;

export const ObjectReference = struct(`${C}.ObjectReference`, "Points at another object, possibly a field within it.", {
  kind: str("Kind of the object."),
  namespace: str("Namespace of the object."),
  name: str("Name of the object."),
  uid: str("UID of the object."),
  apiVersion: str("API version of the object."),
  resourceVersion: str("Version of the object the reference was made from."),
  fieldPath: str("A field within the object, e.g. spec.containers{web}."),
});

export const ServicePort = struct(`${C}.ServicePort`, "A port the service exposes and where it forwards.", {
  name: str("Name of the port; required and unique when there is more than one. A DNS label."),
  protocol: str("TCP (default), UDP or SCTP."),
  appProtocol: str("Application protocol hint, e.g. http or kubernetes.io/h2c."),
  port: reqInt32("Port the service listens on, 1-65535."),
  targetPort: ref(IntOrString, "Port on the pods: a number, or the name of a container port. Defaults to port."),
  nodePort: int32("Port opened on every node for NodePort and LoadBalancer services; allocated when unset."),
});

const ClientIPConfig = struct(`${C}.ClientIPConfig`, "Settings of ClientIP session affinity.", {
  timeoutSeconds: int32("Seconds a client sticks to one endpoint, 1-86400. Defaults to 10800."),
});

const SessionAffinityConfig = struct(`${C}.SessionAffinityConfig`, "Settings of session affinity.", {
  clientIP: ref(ClientIPConfig, "Settings for ClientIP affinity."),
});

const ServiceSpec = struct(`${C}.ServiceSpec`, "How a service is reached and which pods serve it.", {
  ports: list(ServicePort, "Ports the service exposes.", { mergeKey: "port" }),
  selector: strMap("Pods with these labels serve the service. Without a selector, endpoints are managed by hand."),
  clusterIP: str("Virtual IP of the service, allocated when empty; None makes the service headless. Cannot be changed once set."),
  clusterIPs: strList("Virtual IPs, one per IP family; the first equals clusterIP."),
  type: str("ClusterIP (default, reachable inside the cluster), NodePort (also on a port of every node), LoadBalancer (also through an external balancer) or ExternalName (a DNS alias)."),
  externalIPs: strList("Extra IPs on which the nodes accept traffic for the service."),
  sessionAffinity: str("ClientIP sends each client to the same endpoint; None (default) does not."),
  loadBalancerIP: str("Deprecated: requested IP of the load balancer."),
  loadBalancerSourceRanges: strList("Client CIDRs allowed through the load balancer."),
  externalName: str("DNS name the service aliases, for type ExternalName."),
  externalTrafficPolicy: str("For NodePort and LoadBalancer: Cluster (default) spreads traffic over all endpoints; Local keeps it on the receiving node and preserves the client IP."),
  healthCheckNodePort: int32("Node port of the health check for Local external traffic."),
  publishNotReadyAddresses: bool("Publish endpoints of pods that are not ready."),
  sessionAffinityConfig: ref(SessionAffinityConfig, "Settings of session affinity."),
  ipFamilies: strList("IP families of the service (IPv4, IPv6), in order."),
  ipFamilyPolicy: str("SingleStack (default), PreferDualStack or RequireDualStack."),
  allocateLoadBalancerNodePorts: bool("Whether LoadBalancer services get node ports. Defaults to true."),
  loadBalancerClass: str("Which load balancer implementation handles the service."),
  internalTrafficPolicy: str("Cluster (default) or Local: whether traffic from inside the cluster may go to endpoints on other nodes."),
  trafficDistribution: str("Preference for how traffic is spread, e.g. PreferClose."),
});

const PortStatus = struct(`${C}.PortStatus`, "State of one load balancer port.", {
  port: reqInt32("Port number."),
  protocol: reqStr("TCP, UDP or SCTP."),
  error: str("Problem with the port, if any."),
});

const LoadBalancerIngress = struct(`${C}.LoadBalancerIngress`, "One address of a load balancer.", {
  ip: str("IP address."),
  hostname: str("DNS name."),
  ipMode: str("VIP or Proxy: how traffic reaches the nodes."),
  ports: list(PortStatus, "Per-port state."),
});

const LoadBalancerStatus = struct(`${C}.LoadBalancerStatus`, "State of a load balancer.", {
  ingress: list(LoadBalancerIngress, "Addresses of the load balancer."),
});

const ServiceStatus = struct(`${C}.ServiceStatus`, "Observed state of a service.", {
  loadBalancer: ref(LoadBalancerStatus, "The load balancer, if any."),
  conditions: list(Condition, "Conditions of the service.", { mergeKey: "type" }),
});

export const Service = resource(`${C}.Service`, { group: "", version: "v1", kind: "Service" }, "A stable name and virtual IP in front of a changing set of pods.", {
  spec: ref(ServiceSpec, "Desired behaviour of the service."),
  status: ref(ServiceStatus, "Observed state of the service."),
});

const EndpointAddress = struct(`${C}.EndpointAddress`, "One address backing a service.", {
  ip: reqStr("IP address of the endpoint."),
  hostname: str("Host name of the endpoint."),
  nodeName: str("Node the endpoint runs on."),
  targetRef: ref(ObjectReference, "The object (usually a pod) behind the address."),
});

const EndpointPort = struct(`${C}.EndpointPort`, "A port of the endpoints.", {
  name: str("Name, matching the service port name."),
  port: reqInt32("Port number."),
  protocol: str("TCP (default), UDP or SCTP."),
  appProtocol: str("Application protocol hint."),
});

const EndpointSubset = struct(`${C}.EndpointSubset`, "Addresses that all share the same ports.", {
  addresses: list(EndpointAddress, "Ready addresses."),
  notReadyAddresses: list(EndpointAddress, "Addresses not ready to serve."),
  ports: list(EndpointPort, "Ports on every address."),
});

export const Endpoints = resource(`${C}.Endpoints`, { group: "", version: "v1", kind: "Endpoints" }, "The addresses currently backing a service of the same name (superseded by EndpointSlice).", {
  subsets: list(EndpointSubset, "Sets of addresses and ports."),
});
