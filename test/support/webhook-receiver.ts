/**
 * A real webhook endpoint for tests: an HTTP server on 127.0.0.1 that checks every delivery's
 * Standard Webhooks signature with the `standardwebhooks` package (an implementation
 * independent of the hub's sending code) against each secret it is told of, records what
 * arrived, and answers as the test says (any status, Retry-After, hanging, or not listening).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  headers: Record<string, string>;
  body: string;
  json: any;
  /** The secrets (by index in `secrets`) whose signature verified. */
  verifiedWith: number[];
  /** What the receiver answered. */
  answered: number | 'hang';
  at: number;
}

/** What to answer a request: a status (with headers), or hang without answering. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** The secrets deliveries are checked against; every delivery must verify with at least one. */
  secrets: string[];
  /** Decides each answer (default: 200). */
  answer: (req: IncomingMessage, n: number) => Answer;
  /** Deliveries that verified and were answered 2xx. */
  accepted(): Received[];
  /** Deliveries whose signature verified with none of the secrets. */
  unverified(): Received[];
  /** Stops listening (connections refused) until `listen()`. */
  close(): Promise<void>;
  listen(): Promise<void>;
  stop(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const hanging = new Set<() => void>();
  let server: Server;
  const receiver: Receiver = {
    url: '',
    port,
    received: [],
    secrets: [],
    answer: () => ({ status: 200 }),
    accepted: () => receiver.received.filter((r) => r.verifiedWith.length > 0 && r.answered !== 'hang' && r.answered < 300),
    unverified: () => receiver.received.filter((r) => r.verifiedWith.length === 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of hanging) h();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    listen: () => listen(receiver.port),
    async stop() {
      await receiver.close().catch(() => undefined);
    },
  };

  const handle = (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const verifiedWith = receiver.secrets.flatMap((secret, i) => {
        try {
          new Webhook(secret).verify(body, headers);
          return [i];
        } catch {
          return [];
        }
      });
      const answer = receiver.answer(req, receiver.received.length);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      receiver.received.push({ headers, body, json, verifiedWith, answered: answer === 'hang' ? 'hang' : answer.status, at: Date.now() });
      if (answer === 'hang') {
        const end = () => res.destroy();
        hanging.add(end);
        res.on('close', () => hanging.delete(end));
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(`answered ${answer.status}`);
    });
  };

  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server = createServer(handle);
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        receiver.port = (server.address() as AddressInfo).port;
        receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
        resolve();
      });
    });
  await listen(port);
  return receiver;
}
