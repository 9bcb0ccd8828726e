/**
 * A wait a command's environment sets (`BATON_HUB_RETRY_MS`, `BATON_QUEUE_CLOSE_MS`, …): tests make them
 * short; users keep the defaults.
 */

/**
 * The milliseconds `env[name]` asks for when it is a number, 0 or more (`zero: 'allowed'`) or above 0
 * where no wait at all would make no sense; else `fallback`.
 */
export function envMs(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  zero: 'allowed' | 'refused',
): number {
  const raw = env[name];
  const ms = Number(raw);
  const fits = zero === 'allowed' ? ms >= 0 : ms > 0;
  return raw !== undefined && Number.isFinite(ms) && fits ? ms : fallback;
}
