/**
 * The dashboard's stylesheet, served as /ui/app.css (text here for the same
 * reason as js.ts). System fonts, no images; readable down to a phone's
 * width (the table scrolls sideways inside its own region).
 * @module
 */

export const APP_CSS = String
  .raw`:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #5b6570; --line: #d0d7de; --accent: #0b5cad; --bad: #b3261e; --good: #1a7f37; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9aa5b1; --line: #30363d; --accent: #6cb6ff; --bad: #ff7b72; --good: #56d364; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5em; }
.skip:focus { left: .5em; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header { display: flex; flex-wrap: wrap; gap: 1em; align-items: center; padding: .6em 1em; border-bottom: 1px solid var(--line); }
header nav { display: flex; gap: 1em; font-weight: 600; }
#live { color: var(--muted); }
.version { margin-left: auto; color: var(--muted); font-size: .9em; }
main { padding: 0 1em 2em; max-width: 110em; }
h1 { font-size: 1.5em; }
h2 { font-size: 1.2em; margin-top: 1.5em; }
h3 { font-size: 1em; }
.table-wrap { position: relative; overflow-x: auto; border: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
caption { text-align: left; padding: .4em .6em; color: var(--muted); }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
th a { text-decoration: none; white-space: nowrap; }
td[data-col="name"], td[data-col="native"], td[data-col="evidence"] { white-space: nowrap; }
td[data-col="submitted"], td[data-col="started"], td[data-col="ended"] { white-space: nowrap; }
td[data-col="message"] { min-width: 12em; max-width: 28em; overflow-wrap: anywhere; }
.state { font-weight: 600; font-family: ui-monospace, monospace; font-size: .9em; }
.s-COMPLETED { color: var(--good); }
.s-FAILED, .s-CANCELED { color: var(--bad); }
.s-ACTIVE { color: var(--accent); }
.health { font-weight: 700; }
.h-ok { color: var(--good); }
.h-degraded { color: var(--bad); }
form.filter { display: flex; flex-wrap: wrap; gap: .6em 1em; align-items: end; margin: 1em 0; }
fieldset { border: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: .2em .8em; margin: 0; }
label.check { white-space: nowrap; }
input, textarea, select, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); padding: .3em .5em; border-radius: 4px; }
button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button:disabled { opacity: .6; }
details.submit { margin: 1em 0; border: 1px solid var(--line); padding: .5em 1em; }
details.submit summary { font-weight: 600; cursor: pointer; }
.fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(16em, 1fr)); gap: .6em 1.2em; margin: .8em 0; }
.field { display: flex; flex-direction: column; gap: .2em; }
.hint { color: var(--muted); font-weight: normal; margin-left: .4em; }
.field-error, .form-error { color: var(--bad); margin: 0; font-weight: 600; }
[aria-invalid="true"] { border-color: var(--bad); border-width: 2px; }
.pager { display: flex; gap: 1em; margin: .8em 0; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; overflow-wrap: anywhere; }
dl.inline { margin: .2em 0 .6em 1em; display: grid; grid-template-columns: max-content 1fr; gap: 0 .8em; }
dl.inline dt { color: var(--muted); }
dl.inline dd { margin: 0; overflow-wrap: anywhere; }
.evidence { font-family: ui-monospace, monospace; font-size: .9em; }
.sched, .muted { color: var(--muted); }
#timeline li { margin-bottom: .3em; }
pre { background: color-mix(in srgb, var(--fg) 6%, var(--bg)); padding: .6em; overflow: auto; max-height: 24em; }
@media (max-width: 40em) { main { padding: 0 .5em 2em; } header { padding: .5em; } .version { display: none; } }
`;
