// The proof of work of our forms (docs/accounts.md): the vendored ALTCHA widget, its French
// strings, and the worker that solves SHA-256 challenges, all loaded from this site (the
// Content-Security-Policy allows nothing else).
import "./vendor/altcha/altcha.min.js";
import "./vendor/altcha/i18n/fr-fr.js";

const shaWorker = new URL("./vendor/altcha/workers/sha.js", import.meta.url);
globalThis.$altcha.algorithms.set("SHA-256", () => new Worker(shaWorker));
