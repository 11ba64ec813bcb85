/** Hono's per-request variables of this API. */
export interface ApiEnv {
  Variables: {
    /** Who the caller is, for `by` when the body names no one: `api:<token name>`. */
    actor: string;
  };
}
