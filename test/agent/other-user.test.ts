/**
 * Another user on the login node can reach neither the agent nor its files:
 * run as uid 65534 (nobody) with setpriv, which needs root.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentPaths } from "../../src/agent/access.ts";
import { startAgent } from "../../src/agent/agent.ts";
import { cliArgv } from "./fixtures/cli.ts";

const TOOLS = ["/usr/bin/setpriv", "/usr/bin/curl"];
const why = process.getuid?.() !== 0
  ? "acting as another user needs root"
  : TOOLS.find((t) => !existsSync(t))
  ? `${TOOLS.find((t) => !existsSync(t))} is missing`
  : false;

/** Runs argv (asynchronously: the agent under test lives in this process) and collects it. */
function run(argv: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

/** A loopback port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const asNobody = (argv: string[]) =>
  run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...argv]);

const health = (socket: string) => [
  "/usr/bin/curl",
  "-sS",
  "--max-time",
  "10",
  "--unix-socket",
  socket,
  "http://agent/v1/health",
];

describe("another user", { skip: why }, () => {
  it("cannot use the socket or read the token and store, even if the home is opened up", {
    timeout: 60_000,
  }, async () => {
    const parent = mkdtempSync(join(tmpdir(), "psij-other-"));
    chmodSync(parent, 0o755);
    const paths = agentPaths(join(parent, "home"));
    const agent = await startAgent({
      paths,
      executor: "local",
      listen: { hostname: "127.0.0.1", port: 0 },
    });
    try {
      // The owner gets through: the refusals below are about who asks.
      const own = await run(health(paths.socket));
      assert.equal(own.code, 0, own.out);
      assert.match(own.out, /"status":"ok"/);

      const viaHome = await asNobody(health(paths.socket));
      assert.notEqual(viaHome.code, 0);
      assert.match(viaHome.out, /Permission denied|Couldn't connect/i);
      for (const file of [paths.token, paths.db]) {
        const read = await asNobody(["/bin/cat", file]);
        assert.notEqual(read.code, 0, file);
        assert.match(read.out, /Permission denied/, file);
      }

      // A user who loosens the home to 0755 still has a 0600 socket and 0600 files.
      chmodSync(paths.home, 0o755);
      const opened = await asNobody(health(paths.socket));
      assert.notEqual(opened.code, 0);
      assert.match(opened.out, /Permission denied|Couldn't connect/i);
      for (const file of [paths.token, paths.db]) {
        const read = await asNobody(["/bin/cat", file]);
        assert.notEqual(read.code, 0, file);
        assert.match(read.out, /Permission denied/, file);
      }
      // Over TCP nobody gets past the token.
      const tcp = agent.listeners.find((l) => l.port !== undefined)!;
      const noToken = await asNobody([
        "/usr/bin/curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `${tcp.url}/v1/health`,
      ]);
      assert.equal(noToken.out, "401");
    } finally {
      await agent.stop();
      rmSync(parent, { recursive: true, force: true });
    }
  });
  it(
    "cannot run a command through `serve --listen 127.0.0.1:P --no-auth` (the option is refused)",
    { timeout: 90_000 },
    async () => {
      const parent = mkdtempSync(join(tmpdir(), "psij-other-"));
      chmodSync(parent, 0o755);
      const home = join(parent, "home");
      const proof = join(parent, "proof");
      const port = await freePort();
      const [exe, ...args] = cliArgv([
        "serve",
        "--home",
        home,
        "--executor",
        "local",
        "--listen",
        `127.0.0.1:${port}`,
        "--no-auth",
      ]);
      const serve = spawn(exe, args, { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      serve.stdout.on("data", (d) => (out += d));
      serve.stderr.on("data", (d) => (out += d));
      const exited = new Promise<number>((resolve) =>
        serve.once("exit", (code) => resolve(code ?? -1))
      );
      try {
        // Either serve refuses (the fix), or it listens: then try the attack.
        const deadline = Date.now() + 30_000;
        while (serve.exitCode === null && !out.includes("listening on http")) {
          if (Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const attack = await asNobody([
          "/usr/bin/curl",
          "-s",
          "--max-time",
          "10",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          "-H",
          "Origin: http://evil.example",
          "-H",
          "Content-Type: text/plain",
          `http://127.0.0.1:${port}/v1/jobs`,
          "-d",
          JSON.stringify({
            version: 1,
            executable: "/bin/sh",
            arguments: ["-c", `id > ${proof}`],
          }),
        ]);
        assert.notEqual(attack.out, "201", "another user submitted a job");
        assert.equal(await exited, 64, out);
        assert.match(out, /--no-auth was removed/);
        // A job the attack might have started would have written its proof by now.
        assert.equal(existsSync(proof), false, "a job ran for the other user");
      } finally {
        if (serve.exitCode === null) serve.kill("SIGTERM");
        await exited;
        rmSync(parent, { recursive: true, force: true });
      }
    },
  );
});
