/**
 * @module
 * The order in which the server returns job attributes: the index order of
 * `src/lib/Libattr/master_job_attr_def.xml` (OpenPBS v23.06.06).
 */
import type { StatAttr } from "./types.ts";

/** Every job attribute name, in server definition order. */
export const JOB_ATTR_ORDER: readonly string[] = [
  "Job_Name",
  "Job_Owner",
  "resources_used",
  "resources_used_acct",
  "resources_used_update",
  "job_state",
  "resv",
  "queue",
  "server",
  "Account_Name",
  "Checkpoint",
  "ctime",
  "depend",
  "Error_Path",
  "exec_host",
  "exec_host2",
  "exec_host_acct",
  "exec_host_orig",
  "exec_vnode",
  "exec_vnode_acct",
  "exec_vnode_deallocated",
  "exec_vnode_orig",
  "Execution_Time",
  "group_list",
  "Hold_Types",
  "interactive",
  "Join_Path",
  "Keep_Files",
  "Mail_Points",
  "Mail_Users",
  "mtime",
  "no_stdio_sockets",
  "Output_Path",
  "Priority",
  "qtime",
  "Remove_Files",
  "Rerunable",
  "Resource_List",
  "Resource_List_orig",
  "Resource_List_acct",
  "schedselect",
  "schedselect_orig",
  "stime",
  "obittime",
  "session_id",
  "Shell_Path_List",
  "sandbox",
  "jobdir",
  "stagein",
  "stageout",
  "substate",
  "User_List",
  "Variable_List",
  "euser",
  "egroup",
  "hashname",
  "hop_count",
  "queue_rank",
  "queue_type",
  "sched_hint",
  "security",
  "comment",
  "cookie",
  "alt_id",
  "alt_id2",
  "etime",
  "reserve_ID",
  "last_context_refresh",
  "gridname",
  "umask",
  "block",
  "cred",
  "run_count",
  "accounting_id",
  "eligible_time",
  "accrue_type",
  "sample_starttime",
  "job_kill_delay",
  "Stageout_status",
  "Exit_status",
  "Submit_arguments",
  "executable",
  "argument_list",
  "prov_vnode",
  "array",
  "array_id",
  "array_index",
  "array_state_count",
  "array_indices_submitted",
  "array_indices_remaining",
  "estimated",
  "node_set",
  "history_timestamp",
  "project",
  "forward_x11_cookie",
  "forward_x11_port",
  "ptime",
  "run_version",
  "gui",
  "topjob_ineligible",
  "resources_released",
  "resource_released_list",
  "release_nodes_on_stageout",
  "tolerate_node_failures",
  "Submit_Host",
  "credential_id",
  "credential_validity",
  "create_resv_from_job",
  "max_run_subjobs",
];

const RANK = new Map(JOB_ATTR_ORDER.map((n, i) => [n, i]));

/**
 * Server order: attributes by definition index (unknown names last, in input
 * order); the resources of one attribute sorted case-insensitively, as
 * `add_resource_entry` keeps them. Stable, so equal keys keep input order.
 */
export function orderAttrs(attrs: StatAttr[]): StatAttr[] {
  const firstSeen = new Map<string, number>();
  attrs.forEach((a, i) => firstSeen.has(a.name) || firstSeen.set(a.name, i));
  const rankOf = (name: string) =>
    RANK.get(name) ?? JOB_ATTR_ORDER.length + (firstSeen.get(name) ?? 0);
  const keyed = attrs.map((a, i) => ({ a, i, rank: rankOf(a.name) }));
  keyed.sort((x, y) => {
    if (x.rank !== y.rank) return x.rank - y.rank;
    const rx = (x.a.resource ?? "").toLowerCase();
    const ry = (y.a.resource ?? "").toLowerCase();
    if (rx !== ry) return rx < ry ? -1 : 1;
    return x.i - y.i;
  });
  return keyed.map((k) => k.a);
}
