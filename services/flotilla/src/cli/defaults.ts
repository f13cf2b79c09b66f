/** Defaults shared by the commands. */

/** root keeps its state in /var/lib/flotilla, a user in ~/.flotilla. */
/** The node controller's grace (services/controller-manager/src/node/lifecycle.ts says why 2 s). */
export const DEFAULT_NODE_GRACE_PERIOD_MS = 2000;

export const DEFAULT_DATA_DIR = process.getuid?.() === 0 ? "/var/lib/flotilla" : `${process.env["HOME"] ?? "."}/.flotilla`;
