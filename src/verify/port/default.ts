/** The port a Node process starts with. The verification page's build resolves this module to ./default-browser.ts. */
export { nodeVerifierPort as defaultVerifierPort } from './node.js';
