/** Flags for a headless Chromium with no background network traffic. */
export declare const CHROMIUM_ARGS: readonly string[];
/** The Chromium to drive: `$CHROMIUM_PATH`, else the first `chromium` on PATH; throws naming the fix. */
export declare function chromiumPath(env?: NodeJS.ProcessEnv): string;
