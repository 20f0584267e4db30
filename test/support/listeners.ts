/**
 * What a process tree exposes on this machine, read from Linux's /proc (no `ss` or `lsof`
 * needed): the TCP sockets its processes listen on, and the permission bits of a folder's
 * files. Used to check that the local stack stays on loopback and keeps its data private.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';

/** True where /proc carries the TCP tables (Linux). */
export const hasProcNet = existsSync('/proc/net/tcp') && existsSync('/proc/net/tcp6');

export interface Listener {
  pid: number;
  /** The process's name (/proc/<pid>/comm): node, java. */
  command: string;
  /** The bound address as text: 127.0.0.1, 0.0.0.0, ::1, ::, ::ffff:127.0.0.1. */
  address: string;
  port: number;
}

/** `pid` and every process below it, from each process's parent in /proc/<pid>/stat. */
export function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  return tree;
}

/** The socket inodes a process holds open (its fds that link to "socket:[inode]"). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // The fd closed while we looked.
    }
  }
  return inodes;
}

/**
 * One 32-bit word of /proc/net/tcp{,6}: the kernel prints the address bytes as a host-order
 * integer, so on a little-endian machine 127.0.0.1 reads "0100007F".
 */
function wordBytes(hex: string): number[] {
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return endianness() === 'LE' ? bytes.reverse() : bytes;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) return wordBytes(hex).join('.');
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8)));
  // An IPv4-mapped address (::ffff:a.b.c.d), as Java's dual-stack sockets use.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // Shorten as people write it: enough for "::" and "::1".
  return groups
    .join(':')
    .replace(/^(0:)+0$/, '::')
    .replace(/^(0:)+/, '::');
}

/** Every TCP socket in LISTEN state (st 0A) that a process of `pids` holds. */
export function listeners(pids: number[]): Listener[] {
  const owner = new Map<string, number>();
  for (const pid of pids) for (const inode of socketInodes(pid)) owner.set(inode, pid);
  const found: Listener[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1]!, fields[3], fields[9]!];
      const pid = owner.get(inode);
      if (state !== '0A' || pid === undefined) continue;
      const [addressHex, portHex] = local.split(':') as [string, string];
      const command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      found.push({ pid, command, address: decodeAddress(addressHex), port: Number.parseInt(portHex, 16) });
    }
  }
  return found;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x: reachable from this machine only. */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);
}

/** Every folder and file from `root` down, with its permission bits (as "0700"). */
export function modes(root: string): { path: string; kind: 'folder' | 'file'; mode: string }[] {
  const out: { path: string; kind: 'folder' | 'file'; mode: string }[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    const mode = `0${(stat.mode & 0o777).toString(8)}`;
    if (stat.isDirectory()) {
      out.push({ path, kind: 'folder', mode });
      for (const name of readdirSync(path)) walk(join(path, name));
    } else {
      out.push({ path, kind: 'file', mode });
    }
  };
  walk(root);
  return out;
}
