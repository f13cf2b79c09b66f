import { readFileSync } from "node:fs";

/** Flotilla's version, from the repository's package.json. */
export const FLOTILLA_VERSION: string = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
