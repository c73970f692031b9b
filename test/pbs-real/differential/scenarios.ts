// The differential scenarios: each is played against the real PBS and
// against the simulator (execute mode, fresh), and what the commands print is
// compared byte for byte after normalisation (play.ts). Each scenario queries
// only its own jobs, so they can run side by side; `serial` ones look at the
// whole server and run alone after the others.
import type { Scenario } from "./play.ts";

const HOLD = "echo 'sleep 300' | qsub -h";
const SLEEP = (s: number) => `echo 'sleep ${s}' | qsub`;

export const SCENARIOS: (Scenario & { serial?: boolean })[] = [
  {
    name: "qsub-script-file",
    steps: [
      { file: "job.sh", text: "#!/bin/sh\n#PBS -N scripted\necho hi\n" },
      { sh: "qsub job.sh" },
      { until: "$J1", state: "F" },
      { sh: "qstat -x $J1" },
    ],
  },
  {
    name: "qsub-stdin",
    steps: [{ sh: "echo 'echo hi' | qsub -N fromstdin" }, { until: "$J1", state: "F" }, {
      sh: "qstat -x -f $J1 | grep -E 'Job_Name|job_state|Exit_status|substate'",
    }],
  },
  {
    name: "qsub-dashdash",
    steps: [{ sh: "qsub -N dd -- /bin/sleep 1" }, { until: "$J1", state: "F" }, {
      sh: "qstat -x -f $J1 | grep -E 'Job_Name|job_state|Exit_status|Submit_arguments'",
    }],
  },
  { name: "qsub-error-unknown-queue", steps: [{ sh: "echo true | qsub -q nosuchq" }] },
  { name: "qsub-error-bad-resource", steps: [{ sh: "echo true | qsub -l nosuchres=1" }] },
  { name: "qsub-error-bad-walltime", steps: [{ sh: "echo true | qsub -l walltime=abc" }] },
  { name: "qsub-error-bad-option", steps: [{ sh: "echo true | qsub -Y" }] },
  { name: "qsub-error-bad-name", steps: [{ sh: "echo true | qsub -N 'a b'" }] },
  { name: "qsub-error-missing-script", steps: [{ sh: "qsub /no/such/script.sh" }] },
  { name: "qsub-error-bad-select", steps: [{ sh: "echo true | qsub -l select=x" }] },
  {
    name: "qsub-error-depend-unknown",
    steps: [{ sh: "echo true | qsub -W depend=afterok:999999" }],
  },
  {
    name: "qstat-default-table",
    steps: [{ sh: HOLD }, { sh: "qstat $J1" }, { sh: "qdel $J1" }],
  },
  { name: "qstat-a", steps: [{ sh: HOLD }, { sh: "qstat -a $J1" }, { sh: "qdel $J1" }] },
  {
    name: "qstat-n1-running",
    serial: true, // exec_host names the cpu slot: alone, it is the first on both sides
    steps: [
      { sh: SLEEP(30) },
      { until: "$J1", state: "R" },
      { sh: "sleep 5" }, // the MoM's first report: session id and elapsed time
      { sh: "qstat -n -1 $J1" },
      { sh: "qdel $J1" },
    ],
  },
  { name: "qstat-s", steps: [{ sh: HOLD }, { sh: "qstat -s $J1" }, { sh: "qdel $J1" }] },
  {
    name: "qstat-u",
    steps: [{ sh: HOLD }, { sh: "qstat -u alice $J1" }, { sh: "qdel $J1" }],
  },
  {
    name: "qstat-x-finished",
    steps: [{ sh: "echo true | qsub" }, { until: "$J1", state: "F" }, { sh: "qstat -x $J1" }],
  },
  {
    name: "qstat-f-held",
    steps: [{ sh: HOLD }, { sh: "qstat -f $J1" }, { sh: "qdel $J1" }],
  },
  {
    name: "qstat-f-held-as-root",
    user: "root",
    steps: [{ sh: HOLD }, { sh: "qstat -f $J1" }, { sh: "qdel $J1" }],
  },
  {
    name: "qstat-f-json-held",
    steps: [{ sh: HOLD }, { sh: "qstat -f -F json $J1" }, { sh: "qdel $J1" }],
  },
  {
    name: "qstat-f-dsv-held",
    steps: [{ sh: HOLD }, { sh: "qstat -f -F dsv $J1" }, { sh: "qdel $J1" }],
  },
  { name: "qstat-Q", serial: true, steps: [{ sh: "qstat -Q" }] },
  { name: "qstat-B", serial: true, steps: [{ sh: "qstat -B" }] },
  {
    name: "qstat-H",
    steps: [{ sh: "echo true | qsub" }, { until: "$J1", state: "F" }, { sh: "qstat -H $J1" }],
  },
  {
    name: "qstat-unknown-id",
    steps: [{ sh: "qstat 999999" }, { sh: "qstat -f 999999.$(hostname -s)" }],
  },
  { name: "qstat-illegal-id", steps: [{ sh: "qstat abc" }, { sh: "qstat -f 12x" }] },
  {
    name: "qstat-mixed-ids",
    steps: [{ sh: HOLD }, { sh: "qstat $J1 999999" }, { sh: "qstat -f -F json $J1 999999" }, {
      sh: "qdel $J1",
    }],
  },
  {
    name: "qdel-queued-held",
    steps: [{ sh: HOLD }, { sh: "qdel $J1" }, { until: "$J1", state: "F" }, {
      sh: "qstat -x -f $J1 | grep -E 'job_state|substate|Exit_status|comment'",
    }],
  },
  {
    name: "qdel-running",
    // Not Exit_status nor substate: PBS records 271/91, 265/93 or 143 for a normal user's job by
    // how the qdel meets the job's start and its shell, 0 for root's (test/pbs-real/executor
    // checks the executor's truth for each).
    steps: [{ sh: SLEEP(300) }, { until: "$J1", state: "R" }, { sh: "qdel $J1" }, {
      until: "$J1",
      state: "F",
    }, { sh: "qstat -x -f $J1 | grep -E 'job_state'" }],
  },
  {
    name: "qdel-finished",
    steps: [{ sh: "echo true | qsub" }, { until: "$J1", state: "F" }, { sh: "qdel $J1" }],
  },
  { name: "qdel-unknown", steps: [{ sh: "qdel 999999" }, { sh: "qdel 999999.$(hostname -s)" }] },
  {
    name: "qhold-qrls",
    steps: [
      { sh: "echo 'sleep 300' | qsub -a $(date -d '+2 hours' +%H%M)" },
      { sh: "qhold $J1" },
      { sh: "qstat $J1" },
      { sh: "qrls $J1" },
      { sh: "qstat $J1" },
      { sh: "qdel $J1" },
    ],
  },
  {
    name: "qselect-by-name-and-state",
    steps: [
      { sh: "echo 'sleep 300' | qsub -h -N selme" },
      { sh: "qselect -N selme -s H" },
      { sh: "qselect -N selme -s R" },
      { sh: "qdel $J1" },
    ],
  },
  {
    name: "array-subjobs",
    steps: [
      { sh: "echo 'sleep 1' | qsub -J 1-3" },
      { until: "$J1", state: "F" },
      { sh: "qstat -x -t $J1" },
      {
        sh:
          "qstat -x -f ${S1%[]}'[2].'$(hostname -s) | grep -E 'job_state|Exit_status|array_index'",
      },
    ],
  },
  {
    name: "depend-afterok",
    steps: [
      { sh: "echo true | qsub -h" },
      { sh: "echo true | qsub -W depend=afterok:$J1" },
      { sh: "qstat $J2" },
      { sh: "qrls $J1" },
      { until: "$J2", state: "F" },
      { sh: "qstat -x $J1 $J2" },
    ],
  },
  {
    name: "depend-afternotok-never",
    steps: [
      { sh: "echo true | qsub -h" },
      { sh: "echo true | qsub -W depend=afternotok:$J1" },
      { sh: "qrls $J1" },
      { until: "$J2", state: "F" },
      { sh: "qstat -x -f $J2 | grep -E 'job_state|Exit_status|comment'" },
    ],
  },
  {
    name: "depend-afterany",
    steps: [
      { sh: "echo false | qsub -h" },
      { sh: "echo true | qsub -W depend=afterany:$J1" },
      { sh: "qrls $J1" },
      { until: "$J2", state: "F" },
      { sh: "qstat -x $J1 $J2" },
    ],
  },
  {
    name: "qsub-h-and-a",
    steps: [
      { sh: "echo true | qsub -h" },
      { sh: "echo true | qsub -a $(date -d '+2 hours' +%H%M)" },
      { sh: "qstat $J1 $J2" },
      { sh: "qdel $J1 $J2" },
    ],
  },
  {
    name: "never-runnable",
    steps: [
      { sh: "echo true | qsub -l select=1:ncpus=999" },
      { sh: "sleep 3" },
      { sh: "qstat -f $J1 | grep -E 'job_state|comment'" },
      { sh: "qdel $J1" },
    ],
  },
  {
    name: "walltime-kill",
    steps: [
      { sh: "echo 'sleep 120' | qsub -l walltime=00:00:02" },
      { until: "$J1", state: "F" },
      { sh: "qstat -x -f $J1 | grep -E 'job_state|substate|Exit_status'" },
    ],
  },
  {
    name: "history-after-end",
    steps: [
      { sh: "echo 'exit 3' | qsub" },
      { until: "$J1", state: "F" },
      { sh: "qstat $J1" },
      { sh: "qstat -x -f -F json $J1 | grep -E '\"(job_state|Exit_status)\"'" },
    ],
  },
];
