// What the user types during `tsvisor run` goes to the machine's COM1 (the
// session forwards it: QEMU's stdin, or Bochs's COM1 connection). On a
// terminal the keys go one by one as they are typed, without a local echo
// (raw mode: the guest echoes what it wants), and the terminal is restored
// on every way out. Raw mode turns Ctrl-C into the byte 0x03, which goes to
// the guest like any other key (a shell under tsvisor wants its Ctrl-C); the
// run tool's own keys follow an escape, Ctrl-A, as QEMU's -nographic console
// does (escapeKeys below). From a pipe or a file the bytes pass as they come,
// with no escape; there a Ctrl-C in the terminal is a SIGINT, which
// command.ts turns into the end of the run.
import { PassThrough, Readable } from "node:stream";

const CTRL_A = 0x01;
const KEY_END = 0x78;  // 'x'
const KEY_HELP = 0x68; // 'h'

export const HELP_LINE = "tsvisor: Ctrl-A x: end the run; Ctrl-A c: switch the typing between the guest's serial console " +
  "and its virtio console (hvc0); Ctrl-A Ctrl-A: send Ctrl-A";
export const START_LINE = "tsvisor: the guest's console; Ctrl-A x ends the run";

// What a chunk of keys asks for, in order: bytes for the guest, the help
// line, or the end of the run (after which nothing more is taken).
export type KeyAction = { send: Buffer } | { help: true } | { end: true };

// The escape state machine. It remembers a Ctrl-A at the end of one chunk,
// so an escape may straddle two reads. Ctrl-A x ends the run, Ctrl-A h asks
// for help, Ctrl-A Ctrl-A sends one Ctrl-A, and Ctrl-A then any other byte
// sends both bytes.
export function escapeKeys(): (chunk: Buffer) => KeyAction[] {
  let escaped = false;
  let ended = false;
  return (chunk) => {
    const actions: KeyAction[] = [];
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) actions.push({ send: Buffer.from(bytes) });
      bytes = [];
    };
    for (const b of chunk) {
      if (ended) break;
      if (!escaped) {
        if (b === CTRL_A) escaped = true;
        else bytes.push(b);
        continue;
      }
      escaped = false;
      if (b === KEY_END) {
        flush();
        actions.push({ end: true });
        ended = true;
      } else if (b === KEY_HELP) {
        flush();
        actions.push({ help: true });
      } else if (b === CTRL_A) bytes.push(CTRL_A);
      else bytes.push(CTRL_A, b);
    }
    flush();
    return actions;
  };
}

export interface ConsoleInput {
  stream: Readable;   // what the session forwards
  terminal: boolean;  // raw mode with escape keys (stdin is a TTY)
  close(): void;      // stop reading, restore the terminal
}

export interface ConsoleInputOptions {
  onEnd: () => void;               // Ctrl-A x
  say?: (line: string) => void;    // the start and help lines; stderr by default
}

export function consoleInput(stdin: NodeJS.ReadStream, o: ConsoleInputOptions): ConsoleInput {
  const say = o.say ?? ((l: string) => process.stderr.write(`${l}\n`));
  const stream = new PassThrough();
  const raw = stdin.isTTY === true && typeof stdin.setRawMode === "function";
  const restore = () => {
    if (raw) {
      try {
        stdin.setRawMode(false);
      } catch {
        /* the terminal is gone */
      }
    }
  };
  const keys = escapeKeys();
  const onData = (d: Buffer) => {
    if (!raw) return void stream.write(d);
    for (const a of keys(d)) {
      if ("send" in a) stream.write(a.send);
      else if ("help" in a) say(HELP_LINE);
      else o.onEnd();
    }
  };
  const onError = () => {};
  if (raw) {
    stdin.setRawMode(true);
    say(START_LINE);
  }
  process.on("exit", restore);
  stdin.on("data", onData);
  stdin.on("error", onError);
  stdin.resume();
  return {
    stream,
    terminal: raw,
    close() {
      stdin.off("data", onData);
      stdin.off("error", onError);
      stdin.pause(); // lets the process exit: nothing reads it any more
      restore();
      process.off("exit", restore);
      stream.end();
    },
  };
}
