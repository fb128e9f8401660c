/** The port the verification page starts with (scripts/build-verify-page.mjs resolves ./default.js to this module). */
export { browserVerifierPort as defaultVerifierPort } from './browser.js';
