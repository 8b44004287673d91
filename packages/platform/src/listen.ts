import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface HttpListener {
  /** `http://host:port`, with the port the system chose when asked for port 0. */
  url: string;
  server: Server;
  /** Stops accepting connections and waits for the open ones to finish. */
  close(): Promise<void>;
}

/** Serves `app` on host:port (port 0: a free one) once it listens. */
export async function listen(
  app: Express,
  port: number,
  host = '127.0.0.1',
): Promise<HttpListener> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(port, host, () => resolve(s));
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
