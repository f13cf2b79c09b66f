/** Defaults shared by the commands. */

/** root keeps its state in /var/lib/flotilla, a user in ~/.flotilla. */
export const DEFAULT_DATA_DIR = process.getuid?.() === 0 ? "/var/lib/flotilla" : `${process.env["HOME"] ?? "."}/.flotilla`;
