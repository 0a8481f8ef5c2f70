/** Where the tool writes; a test passes its own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The process's streams. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
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
