// Values test/setup/temporal-global.ts hands every test file through vitest's inject().
declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the dev server shared by the whole run. */
    temporalAddress: string;
    temporalNamespace: string;
    /** The workflow code, bundled once per run; give it to Worker.create as workflowBundle.codePath. */
    workflowBundlePath: string;
  }
}

export {};
