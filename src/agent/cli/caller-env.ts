/**
 * The caller's environment as `run -V` / `submit -V` send it with the spec,
 * as `qsub -V` and `sbatch --export=ALL` do: everything the submitting shell
 * exported (PATH, LD_LIBRARY_PATH, what `module load` set, the user's own
 * variables), except what belongs to the agent, to a scheduler's job, or to
 * this login session only.
 * @module
 */

/** Left out whatever their value: see docs/agent.md ("The caller's environment"). */
const LEFT_OUT: RegExp[] = [
  // The agent's own settings (PSIJ_AGENT_TOKEN is a credential) and what the job script sets.
  /^PSIJ_/,
  // What a scheduler sets for each job: a caller inside a job would hand the new job its own.
  /^PBS_/,
  /^SLURM_/,
  // This login session's, not the job's.
  /^(PWD|OLDPWD|SHLVL|_|TERM|TERMCAP|COLUMNS|LINES|DISPLAY|XAUTHORITY|MAIL)$/,
  /^SSH_/,
  /^(TMUX|TMUX_PANE|STY|WINDOW|WINDOWID|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR)$/,
  /^XDG_SESSION_/,
];

/** What a JobSpec accepts as a variable name (exported bash functions, BASH_FUNC_x%%, are not). */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `-V` leaves `name` out. */
export function leftOut(name: string): boolean {
  return !NAME.test(name) || LEFT_OUT.some((re) => re.test(name));
}

/**
 * A value as the spec must carry it to arrive unchanged: the agent expands
 * `${NAME}` in environment values, and `$${` is the escape for a literal `${`
 * (each `$` of a run before `{` doubled).
 */
export function literalValue(value: string): string {
  return value.replace(/\$+(?=\{)/g, (run) => run + run);
}

/** The caller's variables that `-V` sends, in the caller's order, values kept literal. */
export function callerEnvironment(
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.includes("\0") || leftOut(name)) continue;
    out[name] = literalValue(value);
  }
  return out;
}

/**
 * The caller's variables under the spec's own (`--env`, or the document's
 * `environment`): an explicit entry wins, and comes after the caller's so
 * that a `${NAME}` in it sees the caller's other variables.
 */
export function withCallerEnvironment(
  caller: Record<string, string>,
  own: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(caller)) if (!own || !(k in own)) merged[k] = v;
  return { ...merged, ...own };
}
