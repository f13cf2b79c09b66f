/**
 * Settings precedence for every command: flags, then FLOTILLA_* environment variables
 * (commander reads those), then the YAML config file, then defaults. Config file keys
 * are the long flag names (`data-dir: /var/lib/flotilla`), as in k3s.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";

/** Loads the YAML library only when a file is given: most nodes run with flags alone. */
export async function applyConfigFile(cmd: Command, path: string | undefined): Promise<void> {
  if (!path) return;
  let doc: unknown;
  try {
    const { parse } = await import("yaml");
    doc = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`config file ${path} must be a YAML mapping of flag names to values`);
  const known = new Map(cmd.options.map((o) => [o.long?.replace(/^--/, ""), o.attributeName()]));
  for (const [key, value] of Object.entries(doc)) {
    const attr = known.get(key);
    if (!attr) throw new Error(`config file ${path}: unknown setting "${key}" (settings are the long flag names of "${cmd.name()} --help")`);
    const source = cmd.getOptionValueSource(attr);
    if (source === undefined || source === "default") cmd.setOptionValueWithSource(attr, value, "config");
  }
}
