/**
 * The confirmation and token dialogs. Native <dialog> opened with showModal(): focus moves into it and stays there,
 * Escape closes it (the `cancel` event), and focus returns to where it was.
 */
import { ApiError, api, UnauthorizedError } from "./api.js";
import { byId } from "./dom.js";

/** Asks before an action that unregisters; resolves true only on the confirm button. */
export function confirmAction(title: string, text: string, confirmLabel: string): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>("confirm");
  byId("confirm-h").textContent = title;
  byId("confirm-text").textContent = text;
  const ok = byId<HTMLButtonElement>("confirm-ok");
  ok.textContent = confirmLabel;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    byId<HTMLButtonElement>("confirm-cancel").focus();
  });
}

let loginOpen: Promise<boolean> | null = null;

/**
 * Shows the token prompt (once, however many calls were refused at the same time) and resolves true once the daemon
 * accepted a token (the session cookie is then set), false when the operator closed the prompt.
 */
export function askForToken(): Promise<boolean> {
  if (loginOpen !== null) return loginOpen;
  const dialog = byId<HTMLDialogElement>("login");
  const form = byId<HTMLFormElement>("login-form");
  const input = byId<HTMLInputElement>("token");
  const error = byId("login-error");
  error.textContent = "";
  input.value = "";
  loginOpen = new Promise<boolean>((resolve) => {
    let accepted = false;
    const onSubmit = async (e: SubmitEvent) => {
      e.preventDefault();
      error.textContent = "";
      try {
        await api.login(input.value);
        accepted = true;
        dialog.close("ok");
      } catch (err) {
        error.textContent =
          err instanceof UnauthorizedError
            ? "That token was refused."
            : err instanceof ApiError
              ? err.message
              : String(err);
        input.select();
      }
    };
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener(
      "close",
      () => {
        form.removeEventListener("submit", onSubmit);
        input.value = "";
        loginOpen = null;
        resolve(accepted);
      },
      { once: true },
    );
    dialog.showModal();
    input.focus();
  });
  return loginOpen;
}

/** Buttons marked data-close close their dialog (Escape does too, natively). */
export function wireCloseButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>("dialog [data-close]")) {
    button.addEventListener("click", () => button.closest("dialog")?.close("cancel"));
  }
}
