import { createServer } from 'node:net';

/** Ports handed to one feature: `port` is `PORT`, and `base`..`base+9` are its to use. */
export interface PortBlock {
  port: number;
  base: number;
}

/** The first feature's port when the config names no `port_base`. */
export const DEFAULT_PORT_BASE = 41000;

/** Ports in each feature's block. */
export const PORTS_PER_FEATURE = 10;

/** The highest TCP port: a block ending above it holds ports no server can listen on. */
export const MAX_PORT = 65535;

/** The last port of a block (pure). */
export function blockEnd(block: PortBlock): number {
  return block.base + PORTS_PER_FEATURE - 1;
}

/** The block of the feature at `index` in plan order (pure): distinct features never share a port. */
export function portBlockFor(index: number, portBase: number): PortBlock {
  const base = portBase + index * PORTS_PER_FEATURE;
  return { port: base, base };
}

/** The ports of the block starting at `base` (pure). */
export function blockPorts(base: number): number[] {
  return Array.from({ length: PORTS_PER_FEATURE }, (_, i) => base + i);
}

/** Whether nothing listens on `port` at 127.0.0.1 (by trying to bind it briefly). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}
