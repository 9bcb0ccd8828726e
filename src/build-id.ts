/**
 * Which build of Baton is running, for the caches that hold what an older build decided (status-plan.json):
 * `source` when Baton runs from its TypeScript sources; `npm run build` writes dist/build-id.js over tsc's
 * copy of this file with the package version and a hash of the compiled code (scripts/write-build-id.js),
 * so an upgraded or rebuilt Baton has another id, and reading it costs no file read at all.
 */

/** The running build's identity (see the file's header). */
export const BUILD_ID: string = 'source';
