import type { Logger } from "@uacreg/runtime";

/** A logger that keeps every line, to assert on. */
export class RecordingLogger implements Logger {
  readonly lines: Array<{ level: string; obj: object; msg: string }> = [];
  debug(obj: object, msg: string) {
    this.lines.push({ level: "debug", obj, msg });
  }
  info(obj: object, msg: string) {
    this.lines.push({ level: "info", obj, msg });
  }
  warn(obj: object, msg: string) {
    this.lines.push({ level: "warn", obj, msg });
  }
  error(obj: object, msg: string) {
    this.lines.push({ level: "error", obj, msg });
  }
  /** `msg {json}` of every line at `level`. */
  at(level: string): string[] {
    return this.lines.filter((l) => l.level === level).map((l) => `${l.msg} ${JSON.stringify(l.obj)}`);
  }
}
