import type dgram from "node:dgram";
import dns from "node:dns";
import { readFileSync } from "node:fs";
import net from "node:net";
import { networkInterfaces } from "node:os";
import tls from "node:tls";
import type { Target } from "./rfc3263-resolver.js";
import { isWildcardAddress, type SocketSpec } from "./socket-spec.js";

/** TLS settings of one socket. `cert`, `key` and `ca` are PEM file paths, read once at `SipTransport.open`. */
export interface TlsSocketOptions {
  /** Certificate chain: required on a listening TLS socket, presented as client certificate when connecting. */
  cert?: string;
  key?: string;
  /** Extra CA bundle to trust (in addition to Node's roots) when verifying the peer. */
  ca?: string;
  /** Verify the peer certificate (default true). */
  rejectUnauthorized?: boolean;
}

/** The TLS material of a socket, loaded. */
export interface LoadedTls {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
  rejectUnauthorized: boolean;
}

/** One bound local socket (a `listen` entry). */
export interface LocalSocket {
  spec: SocketSpec;
  /** `host:port` for our Via sent-by (RFC 3261 §18.1.1). */
  sentBy: string;
  udp?: dgram.Socket;
  server?: net.Server;
  tlsOptions?: LoadedTls;
}

/** Reads the PEM files named in `opts`. @throws the fs error of the first unreadable file */
export function readTlsFiles(opts: TlsSocketOptions | undefined): LoadedTls {
  const loaded: LoadedTls = { rejectUnauthorized: opts?.rejectUnauthorized ?? true };
  if (opts?.cert !== undefined) loaded.cert = readFileSync(opts.cert);
  if (opts?.key !== undefined) loaded.key = readFileSync(opts.key);
  if (opts?.ca !== undefined) loaded.ca = readFileSync(opts.ca);
  return loaded;
}

/**
 * Opens a TCP or TLS connection from `local` to `target`. The local address is bound when the socket has a specific
 * one (the port stays ephemeral). TLS verifies the peer by default, against the URI's host name when the target came
 * from a name (RFC 5922 §4, not the resolved address), else against the IP address.
 */
export function connectStream(local: LocalSocket, target: Target): net.Socket {
  const localAddress = isWildcardAddress(local.spec.address) ? undefined : local.spec.address;
  if (target.proto !== "tls") return net.connect({ host: target.address, port: target.port, localAddress });
  const o = local.tlsOptions;
  const servername = target.hostname !== undefined && net.isIP(target.hostname) === 0 ? target.hostname : undefined;
  const options: tls.ConnectionOptions = {
    host: target.address,
    port: target.port,
    rejectUnauthorized: o?.rejectUnauthorized ?? true,
  };
  if (localAddress !== undefined) (options as net.TcpSocketConnectOpts).localAddress = localAddress;
  if (o?.ca !== undefined) options.ca = [...tls.rootCertificates, o.ca.toString("utf8")];
  if (o?.cert !== undefined && o.key !== undefined) {
    options.cert = o.cert;
    options.key = o.key;
  }
  if (servername !== undefined) {
    options.servername = servername;
    options.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(servername, cert);
  }
  return tls.connect(options);
}

/**
 * The address we put in Via for a socket. A wildcard socket has no address of its own, so we use the first
 * non-internal, non-link-local interface address of its family (loopback if none); list a specific address to
 * control it.
 */
export function advertisedAddress(address: string, family: 4 | 6): string {
  if (!isWildcardAddress(address)) return address;
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (!i.internal && (i.family === "IPv4" ? 4 : 6) === family && !i.address.startsWith("fe80")) return i.address;
    }
  }
  return family === 6 ? "::1" : "127.0.0.1";
}

/**
 * The `lookup` of our UDP sockets. node:dgram resolves the destination of every datagram through it (by default
 * `dns.lookup`, which answers an IP literal only on the next tick, through a closure). Our targets are already IP
 * addresses (RFC 3263 resolution happens before), so an IP literal is answered at once; anything else still goes to
 * `dns.lookup`. The last address is remembered, so a burst to one registrar costs one string comparison.
 */
export function udpLookup(): NonNullable<dgram.SocketOptions["lookup"]> {
  let lastAddress = "";
  let lastFamily = 0;
  return (address, family, callback) => {
    if (address !== lastAddress) {
      const f = net.isIP(address);
      if (f === 0) {
        dns.lookup(address, family, callback);
        return;
      }
      lastAddress = address;
      lastFamily = f;
    }
    callback(null, lastAddress, lastFamily);
  };
}
