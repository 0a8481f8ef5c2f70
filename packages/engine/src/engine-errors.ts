/** `reload` / `reloadOne` without a repository (MI answers "Command handler returned null", docs/opensips-behaviour.md §9). */
export class NoRepositoryError extends Error {
  override readonly name = "NoRepositoryError";
  constructor(operation: string) {
    super(`${operation} needs a database: no repository is configured`);
  }
}
