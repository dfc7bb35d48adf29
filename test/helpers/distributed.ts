/** What the data-parallel tests share: a free loopback port and torchrun's environment for a rank. */
import { createServer } from 'node:net';

/** A TCP port nothing listens on now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** torchrun's variables for `rank` of `worldSize` processes on this machine. */
export function rankEnv(rank: number, worldSize: number, port: number): Record<string, string> {
  return { RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(worldSize), LOCAL_WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
}
