// What the user types during `tsvisor run` goes to the machine's COM1 (the
// session forwards it: QEMU's stdin, or Bochs's COM1 connection). On a
// terminal the keys go one by one as they are typed, without a local echo
// (raw mode: the guest echoes what it wants), and the terminal is restored
// on every way out; Ctrl-C, which raw mode turns into the byte 0x03, still
// stops the run rather than reaching the guest. From a pipe or a file the
// bytes pass as they come.
import { PassThrough, Readable } from "node:stream";

const CTRL_C = 0x03;

export interface ConsoleInput {
  stream: Readable;   // what the session forwards
  close(): void;      // stop reading, restore the terminal
}

export function consoleInput(stdin: NodeJS.ReadStream, onInterrupt: () => void): ConsoleInput {
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
  const onData = (d: Buffer) => {
    const at = raw ? d.indexOf(CTRL_C) : -1;
    if (at >= 0) {
      if (at > 0) stream.write(d.subarray(0, at));
      onInterrupt();
      return;
    }
    stream.write(d);
  };
  const onError = () => {};
  if (raw) stdin.setRawMode(true);
  process.on("exit", restore);
  stdin.on("data", onData);
  stdin.on("error", onError);
  stdin.resume();
  return {
    stream,
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
