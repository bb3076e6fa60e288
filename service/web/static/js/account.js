// The header's sign-in: a key typed once per tab (kept in sessionStorage, see session.js), the role the service
// gives it, and signing out. ``onRole(role)`` runs with null (signed out) or the key's role.

import { Refused, forget, keep, learnRole, storedKey } from "./session.js";

const $ = (id) => document.getElementById(id);

function show(role) {
  $("sign-in").hidden = Boolean(role);
  $("signed-in").hidden = !role;
  $("role").textContent = role || "";
  document.body.dataset.role = role || "";
}

function fault(message) {
  $("sign-in-fault").textContent = message || "";
  $("sign-in-fault").hidden = !message;
}

/** Wire the sign-in form; ``onRole`` may be async. */
export async function setupAccount(onRole) {
  async function signIn(key) {
    try {
      const role = await learnRole(key);
      keep(key);
      fault("");
      await onRole(role); // the editor is ready before the page says who is signed in
      show(role);
    } catch (error) {
      forget();
      show(null);
      await onRole(null);
      fault(error instanceof Refused ? error.message : `Could not sign in: ${error.message}`);
    }
  }

  $("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key").value.trim();
    $("key").value = ""; // the key stays out of the page once read
    if (key) signIn(key);
  });
  $("sign-out").addEventListener("click", () => {
    forget();
    show(null);
    onRole(null);
    $("key").focus();
  });
  const key = storedKey();
  if (key) await signIn(key); // a reload of the tab keeps the sign-in
  else show(null);
}
