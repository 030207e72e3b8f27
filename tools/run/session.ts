// One boot of an ISO on a test host: start the emulator, stream COM1, watch
// for the core's end-of-run lines, and always stop the emulator (on its own
// exit, a time-out, a panic, or an abort signal such as Ctrl-C).
import { spawn } from "node:child_process";
import fs from "node:fs";
import { Launch, QEMU_STATUS_SUCCESS } from "./launch.js";
import { processTree, processesIn, signalAll } from "./process-tree.js";

export type Verdict = "success" | "failure" | "panic" | "timeout" | "stopped" | "aborted";

export interface SessionResult {
  verdict: Verdict;
  reason: string;
  output: string;          // COM1 text, CR LF normalised to LF
  exitStatus: number | null;
  seconds: number;
}

export interface SessionOptions {
  timeoutMs: number;
  onOutput?: (chunk: string) => void;
  signal?: AbortSignal;
}

// Lines the core prints (kernel/platform/power.ts, kernel/panic.ts, boot/).
const POWER_OFF = /^tsvisor: power off: status (success|failure)$/m;
const PANIC = /^tsvisor: PANIC: (.*)$/m;
const HALTED = /^tsvisor: machine halted/m;
// After the core said it is done, give the emulator this long to exit by itself.
const GRACE_MS = 5000;
const POLL_MS = 50;

export function runSession(launch: Launch, opts: SessionOptions): Promise<SessionResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      detached: true, // its own process group, so the whole tree can be stopped
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    let stderr = "";
    let finished = false;
    let stopReason: { verdict: Verdict; reason: string } | null = null;
    let graceTimer: NodeJS.Timeout | null = null;
    let serialOffset = 0;

    // Everything the launch started: its process group, its process tree
    // (collected while the parent still lives) and, for a launch with its own
    // directory, whatever still works in it.
    const everything = (): number[] => {
      const pids = child.pid ? [-child.pid, ...processTree(child.pid)] : [];
      if (launch.cwd) pids.push(...processesIn(launch.cwd));
      return pids;
    };
    const killGroup = (sig: NodeJS.Signals) => signalAll(everything(), sig);
    const stop = (verdict: Verdict, reason: string) => {
      if (stopReason) return;
      stopReason = { verdict, reason };
      const pids = everything();
      signalAll(pids, "SIGTERM");
      setTimeout(() => signalAll(pids, "SIGKILL"), 2000).unref();
    };
    const onExitOfParent = () => killGroup("SIGKILL");
    process.on("exit", onExitOfParent);

    const take = (text: string) => {
      if (!text) return;
      const clean = text.replace(/\r/g, "");
      output += clean;
      opts.onOutput?.(clean);
      if (PANIC.test(output) && HALTED.test(output.slice(output.search(PANIC)))) {
        stop("panic", `the hypervisor panicked: ${PANIC.exec(output)![1]}`);
      } else if (POWER_OFF.test(output) && !graceTimer) {
        graceTimer = setTimeout(() => stop(verdictOf(output), "the emulator did not exit after power-off"), GRACE_MS);
      }
    };

    const readSerialFile = () => {
      if (!launch.serialFile) return;
      try {
        const fd = fs.openSync(launch.serialFile, "r");
        const buf = Buffer.alloc(65536);
        let n: number;
        while ((n = fs.readSync(fd, buf, 0, buf.length, serialOffset)) > 0) {
          serialOffset += n;
          take(buf.subarray(0, n).toString("latin1"));
        }
        fs.closeSync(fd);
      } catch {
        /* not created yet */
      }
    };
    const poller = launch.serialFile ? setInterval(readSerialFile, POLL_MS) : null;

    child.stdout.on("data", (d: Buffer) => {
      if (!launch.serialFile) take(d.toString("latin1"));
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.on("error", () => {});

    const timer = setTimeout(() => stop("timeout", `no end of run within ${opts.timeoutMs / 1000} s`), opts.timeoutMs);
    const onAbort = () => stop("aborted", "interrupted");
    opts.signal?.addEventListener("abort", onAbort);

    const finish = (status: number | null, error?: Error) => {
      if (finished) return;
      finished = true;
      readSerialFile();
      if (poller) clearInterval(poller);
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      process.off("exit", onExitOfParent);
      killGroup("SIGKILL"); // leave nothing behind (script's children included)
      let verdict: Verdict;
      let reason: string;
      if (error) {
        verdict = "stopped";
        reason = `could not start ${launch.command}: ${error.message}`;
      } else if (PANIC.test(output)) {
        verdict = "panic";
        reason = `the hypervisor panicked: ${PANIC.exec(output)![1]}`;
      } else if (POWER_OFF.test(output)) {
        verdict = verdictOf(output);
        reason = `tsvisor powered off with status ${verdict}`;
        if (launch.host !== "bochs" && verdict === "success" && status !== QEMU_STATUS_SUCCESS && !stopReason) {
          verdict = "failure";
          reason = `tsvisor reported success but QEMU exited ${status} (expected ${QEMU_STATUS_SUCCESS} from isa-debug-exit)`;
        }
      } else if (stopReason) {
        ({ verdict, reason } = stopReason);
      } else {
        verdict = "stopped";
        reason = `${launch.host} exited (status ${status}) before tsvisor powered off` + hostDiagnostics(launch, stderr);
      }
      launch.cleanup();
      resolve({ verdict, reason, output, exitStatus: status, seconds: (Date.now() - started) / 1000 });
    };
    child.on("error", (e) => finish(null, e));
    child.on("close", (code) => finish(code));
  });
}

function verdictOf(output: string): Verdict {
  return POWER_OFF.exec(output)![1] === "success" ? "success" : "failure";
}

// The emulator's last words, to explain a run that ended early.
function hostDiagnostics(launch: Launch, stderr: string): string {
  let text = stderr.trim();
  if (launch.hostLog && fs.existsSync(launch.hostLog)) {
    const lines = fs.readFileSync(launch.hostLog, "utf8").split("\n");
    text += "\n" + lines.filter((l) => /PANIC|ERROR|triple fault|shutdown/i.test(l)).slice(-8).join("\n");
  }
  text = text.trim();
  return text ? `:\n${text}` : "";
}
