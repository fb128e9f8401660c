// The shared verifier modules use Node's Buffer; in the page it is the `buffer` package's (injected by esbuild).
export { Buffer } from 'buffer';
