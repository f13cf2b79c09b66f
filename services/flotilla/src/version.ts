import pkg from "../../../package.json" with { type: "json" };

/** Flotilla's version, from the repository's package.json (inlined when bundled). */
export const FLOTILLA_VERSION: string = pkg.version;
