// Real TCP listeners for simulated instances, so `wait_for` and health checks hit real sockets.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";

export interface ServicePort {
  port: number;
  /** Written to every new connection (for wait_for search_regex). */
  banner?: string;
  /** Serve HTTP instead: GET <path> answers 200 {"status":"ok","instance":…}; anything else 404. */
  http?: { path: string };
}

export interface ListenerEvent {
  type: "listen-open" | "listen-close";
  ip: string;
  port: number;
  /** Which simulated instance owns it. */
  owner: string;
}

export interface ListenerPool {
  /** Open every port for `owner` on `ip`. Resolves once all are accepting. */
  open(owner: string, ip: string, ports: readonly ServicePort[]): Promise<void>;
  /** Close every port of `owner`, dropping live connections. */
  close(owner: string): Promise<void>;
  isOpen(owner: string): boolean;
  closeAll(): Promise<void>;
}

type AnyServer = Server | HttpServer;

export function createListenerPool(onEvent: (e: ListenerEvent) => void = () => {}): ListenerPool {
  const byOwner = new Map<string, { ip: string; port: number; server: AnyServer; sockets: Set<Socket> }[]>();

  const listen = (server: AnyServer, ip: string, port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, ip, () => {
        server.off("error", reject);
        resolve();
      });
    });

  const closeOwner = async (owner: string) => {
    const entries = byOwner.get(owner);
    if (!entries) return;
    byOwner.delete(owner);
    await Promise.all(
      entries.map(
        (e) =>
          new Promise<void>((resolve) => {
            for (const s of e.sockets) s.destroy();
            e.server.close(() => resolve());
            onEvent({ type: "listen-close", ip: e.ip, port: e.port, owner });
          }),
      ),
    );
  };

  return {
    async open(owner, ip, ports) {
      await closeOwner(owner);
      const entries: { ip: string; port: number; server: AnyServer; sockets: Set<Socket> }[] = [];
      byOwner.set(owner, entries);
      try {
        for (const p of ports) {
          const sockets = new Set<Socket>();
          const server = p.http ? httpServer(owner, p.http.path) : tcpServer(p.banner);
          server.on("connection", (s: Socket) => {
            sockets.add(s);
            s.on("close", () => sockets.delete(s));
            s.on("error", () => {});
          });
          await listen(server, ip, p.port);
          entries.push({ ip, port: p.port, server, sockets });
          onEvent({ type: "listen-open", ip, port: p.port, owner });
        }
      } catch (err) {
        await closeOwner(owner);
        throw err;
      }
    },
    close: closeOwner,
    isOpen: (owner) => byOwner.has(owner),
    async closeAll() {
      await Promise.all([...byOwner.keys()].map(closeOwner));
    },
  };
}

function tcpServer(banner: string | undefined): Server {
  return createServer((socket) => {
    if (banner) socket.write(banner.endsWith("\n") ? banner : `${banner}\n`);
    // Drain whatever the client sends; clients decide when to hang up.
    socket.resume();
  });
}

function httpServer(owner: string, path: string): HttpServer {
  return createHttpServer((req, res) => {
    const ok = req.method === "GET" && (req.url ?? "").split("?")[0] === path;
    res.writeHead(ok ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(ok ? { status: "ok", instance: owner } : { status: "not found" }));
  });
}
