/** The scheduler's placement logic: pure functions from a pod and the nodes to a decision. */
export { schedule, buildNodeInfos, feasibleNodesToFind, fitErrorMessage, NO_NODES_MESSAGE } from "./schedule.ts";
export type { ScheduleResult } from "./schedule.ts";
export {
  addPod,
  removePod,
  newNodeInfo,
  podRequests,
  nodeAllocatable,
  nodeFree,
  podHostPorts,
  controllerUid,
  hasRequiredAntiAffinity,
  labelKey,
  milliCpuOf,
  unitsOf,
  DEFAULT_MILLI_CPU_REQUEST,
  DEFAULT_MEMORY_REQUEST,
} from "./resources.ts";
export type { NodeInfo, Resources, Allocatable, PodRequests, HostPort } from "./resources.ts";
export {
  FILTERS,
  HOSTNAME_LABEL,
  Reason,
  runFilters,
  prepareCycle,
  nodeUnschedulable,
  nodeReady,
  taintToleration,
  nodeAffinity,
  nodePorts,
  resourcesFit,
  podAntiAffinity,
  toleratesTaint,
  nodeMatchesTerm,
  portsConflict,
  topologyDomain,
} from "./filters.ts";
export type { CycleState, DomainRule, FilterPlugin, FilterReasons } from "./filters.ts";
export {
  MAX_NODE_SCORE,
  WEIGHTS,
  SCORE_PLUGINS,
  scoreNodes,
  leastAllocated,
  leastAllocatedScore,
  balancedAllocation,
  balancedAllocationScore,
  controllerSpread,
} from "./scores.ts";
export type { ScorePlugin } from "./scores.ts";
