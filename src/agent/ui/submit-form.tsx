/** @jsxImportSource hono/jsx */
/**
 * The form for a quick job. Each input names the JSON path of the spec field
 * it fills (`data-path`), so an error the agent names by path is shown
 * beside its input. The live module turns the form into a JSON POST to
 * /v1/jobs; the agent, not the page, decides what is valid.
 * @module
 */

import type { FC } from "hono/jsx";

interface Field {
  id: string;
  label: string;
  path: string;
  hint?: string;
  placeholder?: string;
  numeric?: boolean;
  area?: boolean;
}

export const FIELDS: Field[] = [
  { id: "f-executable", label: "Executable", path: "$.executable", placeholder: "/bin/hostname" },
  {
    id: "f-arguments",
    label: "Arguments",
    path: "$.arguments",
    hint: "one per line",
    area: true,
  },
  { id: "f-name", label: "Name", path: "$.name" },
  { id: "f-nodes", label: "Nodes", path: "$.resources.nodeCount", numeric: true },
  {
    id: "f-ppn",
    label: "Processes per node",
    path: "$.resources.processesPerNode",
    numeric: true,
  },
  {
    id: "f-walltime",
    label: "Walltime",
    path: "$.attributes.duration",
    hint: "HH:MM:SS or seconds",
  },
  { id: "f-queue", label: "Queue", path: "$.attributes.queueName" },
  { id: "f-account", label: "Account", path: "$.attributes.account" },
  {
    id: "f-stdout",
    label: "Stdout file",
    path: "$.stdoutPath",
    hint: "default: kept by the agent",
  },
  { id: "f-stderr", label: "Stderr file", path: "$.stderrPath" },
];

export const SubmitForm: FC<{ executors: string[] }> = ({ executors }) => (
  <details class="submit" id="submit-panel">
    <summary>Submit a job</summary>
    <form id="submit-form" novalidate>
      <p class="form-error" id="submit-error" role="alert" hidden></p>
      <div class="fields">
        {FIELDS.map((f) => (
          <div class="field">
            <label for={f.id}>
              {f.label}
              {f.hint ? <span class="hint">({f.hint})</span> : null}
            </label>
            {f.area
              ? <textarea id={f.id} name={f.id} data-path={f.path} rows={2}></textarea>
              : (
                <input
                  id={f.id}
                  name={f.id}
                  data-path={f.path}
                  type="text"
                  inputmode={f.numeric ? "numeric" : undefined}
                  placeholder={f.placeholder}
                  autocomplete="off"
                />
              )}
            <p class="field-error" id={`${f.id}-error`} hidden></p>
          </div>
        ))}
        {executors.length > 1
          ? (
            <div class="field">
              <label for="f-executor">Executor</label>
              <select id="f-executor" name="f-executor" data-path="query.executor">
                {executors.map((e) => <option key={e} value={e}>{e}</option>)}
              </select>
              <p class="field-error" id="f-executor-error" hidden></p>
            </div>
          )
          : null}
      </div>
      <button type="submit">Submit</button>
      <p id="submit-result" role="status" aria-live="polite"></p>
    </form>
  </details>
);
