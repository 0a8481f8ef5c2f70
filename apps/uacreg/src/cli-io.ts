/** Where the tool writes; a test passes its own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stdout is a terminal: human tables get colours (unless NO_COLOR). Default false. */
  readonly stdoutIsTTY?: boolean;
  /** stderr is a terminal: `db import` draws its progress bar there. Default false. */
  readonly stderrIsTTY?: boolean;
  /** Width of the terminal, for the progress bar. */
  readonly columns?: number;
  /** Resolves when stdout can take more (streamed exports); absent = always. */
  drain?(): Promise<void>;
}

/** The process's streams. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
  drain: () =>
    process.stdout.writableNeedDrain
      ? new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()))
      : Promise.resolve(),
};

/** Exit codes of `uacreg`. */
export const ExitCode = {
  ok: 0,
  /** An MI error reply, a database error, or rows skipped by `db import`. */
  failed: 1,
  /** Bad command line or config file. */
  usage: 2,
  /** The MI could not be reached or its reply could not be read. */
  unreachable: 3,
} as const;
