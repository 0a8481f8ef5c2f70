/**
 * `uacreg completion bash|zsh`: a completion script made from the command tree itself (so a new command or option
 * completes without editing a script). Words are completed from the command path typed so far (the words before
 * the cursor that are neither options nor option values): subcommands and options at each level, the usual MI
 * commands after `mi`, file names where a command takes a file. zsh runs the same function through bashcompinit.
 */
import type { Command } from "commander";

export const SHELLS = ["bash", "zsh"] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * The MI commands offered after `uacreg mi` (the registrant commands of docs/opensips-behaviour.md §9, the cluster
 * ones and the MI core's); any other name can still be typed.
 */
const MI_COMMANDS = [
  "reg_list",
  "reg_stats",
  "reg_reload",
  "reg_enable",
  "reg_disable",
  "reg_force_register",
  "reg_delete",
  "reg_upsert",
  "clusterer_list_shtags",
  "clusterer_shtag_set_active",
  "cluster_status",
  "cluster_drain",
  "which",
  "help",
  "uptime",
  "version",
  "log_level",
];

interface Level {
  path: string;
  /** Subcommands, argument choices, MI commands: offered when the word does not start with "-". */
  words: string[];
  /** Options: offered when it does. */
  options: string[];
  files: boolean;
}

function flags(cmd: Command): { words: string[]; valued: string[] } {
  const words: string[] = [];
  const valued: string[] = [];
  for (const o of cmd.options) {
    for (const f of [o.long, o.short]) {
      if (!f) continue;
      words.push(f);
      if (o.required || o.optional) valued.push(f);
    }
  }
  words.push("--help");
  return { words, valued };
}

function levels(cmd: Command, path: string, out: Level[], valued: Set<string>): void {
  const f = flags(cmd);
  for (const v of f.valued) valued.add(v);
  const subs = cmd.commands.map((c) => c.name()).filter((n) => n !== "help");
  const args = (cmd as unknown as { registeredArguments?: ReadonlyArray<{ name(): string; argChoices?: string[] }> })
    .registeredArguments;
  const choices = args?.[0]?.argChoices ?? [];
  const takesFile = (args ?? []).some((a) => /file/i.test(a.name()));
  out.push({ path, words: path === "mi" ? MI_COMMANDS : [...subs, ...choices], options: f.words, files: takesFile });
  for (const c of cmd.commands) {
    if (c.name() !== "help") levels(c, path === "" ? c.name() : `${path} ${c.name()}`, out, valued);
  }
}

/** The bash function and its `complete` line (zsh: with bashcompinit first). */
export function completionScript(shell: Shell, program: Command): string {
  const out: Level[] = [];
  const valued = new Set<string>();
  levels(program, "", out, valued);
  const cases = out
    .map((l) => `    "${l.path}") w="${l.words.join(" ")}"; o="${l.options.join(" ")}"; f=${l.files ? 1 : 0} ;;`)
    .join("\n");
  const bash = `# uacreg completion (bash; zsh through bashcompinit): source <(uacreg completion ${shell})
_uacreg() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w="" o="" f=0 i word
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word="\${COMP_WORDS[i]}"
    case "$word" in
      ${[...valued].join("|")}) (( i++ )) ;;
      -*|=) ;;
      *) path="\${path:+$path }$word" ;;
    esac
  done
  case "$path" in
${cases}
    *) ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$o" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$w" -- "$cur") )
    if [[ $f == 1 ]]; then COMPREPLY+=( $(compgen -f -- "$cur") ); fi
  fi
}
complete -o default -F _uacreg uacreg
`;
  return shell === "zsh" ? `autoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}
