/** The agent's version, as `--version` and `/v1/health` report it (kept equal to package.json). */
export const VERSION = "0.1.0";
