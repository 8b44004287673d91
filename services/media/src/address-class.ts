import { isIPv4, isIPv6 } from 'node:net';

/**
 * Pure classification of an IP address for SSRF protection (docs/DOMAIN.md#customer-media): only PUBLIC
 * addresses may be fetched unless the operator allow-lists the host. No I/O.
 * IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) IPv6 addresses
 * are classified by the IPv4 address they embed.
 */
export type AddressClass =
  | 'PUBLIC'
  | 'CLOUD_METADATA'
  | 'UNSPECIFIED'
  | 'LOOPBACK'
  | 'PRIVATE'
  | 'CGNAT'
  | 'LINK_LOCAL'
  | 'UNIQUE_LOCAL'
  | 'MULTICAST'
  | 'BROADCAST'
  | 'DOCUMENTATION'
  | 'RESERVED'
  | 'INVALID';

type Rule = [prefix: number[], bits: number, cls: AddressClass];

// First match wins: the metadata addresses before the ranges that contain them.
const V4: Rule[] = [
  [[169, 254, 169, 254], 32, 'CLOUD_METADATA'], // AWS, GCP, Azure, OpenStack, ...
  [[169, 254, 170, 2], 32, 'CLOUD_METADATA'], // AWS ECS task metadata
  [[100, 100, 100, 200], 32, 'CLOUD_METADATA'], // Alibaba Cloud
  [[0, 0, 0, 0], 8, 'UNSPECIFIED'], // "this network"
  [[10, 0, 0, 0], 8, 'PRIVATE'],
  [[100, 64, 0, 0], 10, 'CGNAT'],
  [[127, 0, 0, 0], 8, 'LOOPBACK'],
  [[169, 254, 0, 0], 16, 'LINK_LOCAL'],
  [[172, 16, 0, 0], 12, 'PRIVATE'],
  [[192, 0, 0, 0], 24, 'RESERVED'], // IETF protocol assignments
  [[192, 0, 2, 0], 24, 'DOCUMENTATION'],
  [[192, 88, 99, 0], 24, 'RESERVED'], // 6to4 relay anycast
  [[192, 168, 0, 0], 16, 'PRIVATE'],
  [[198, 18, 0, 0], 15, 'RESERVED'], // benchmarking
  [[198, 51, 100, 0], 24, 'DOCUMENTATION'],
  [[203, 0, 113, 0], 24, 'DOCUMENTATION'],
  [[224, 0, 0, 0], 4, 'MULTICAST'],
  [[255, 255, 255, 255], 32, 'BROADCAST'],
  [[240, 0, 0, 0], 4, 'RESERVED'],
];

const h = (hex: string): number[] => hex.match(/../g)!.map((b) => parseInt(b, 16));
const V6: Rule[] = [
  [h('fd000ec2000000000000000000000254'), 128, 'CLOUD_METADATA'], // AWS IMDS over IPv6, fd00:ec2::254
  [h('00000000000000000000000000000000'), 128, 'UNSPECIFIED'],
  [h('00000000000000000000000000000001'), 128, 'LOOPBACK'],
  [h('00000000000000000000000000000000'), 96, 'RESERVED'], // IPv4-compatible (deprecated)
  [h('0064ff9b000100000000000000000000'), 48, 'PRIVATE'], // NAT64 local use
  [h('01000000000000000000000000000000'), 64, 'RESERVED'], // discard-only
  [h('20010000000000000000000000000000'), 32, 'RESERVED'], // Teredo: tunnels to arbitrary IPv4
  [h('20010db8000000000000000000000000'), 32, 'DOCUMENTATION'],
  [h('fc000000000000000000000000000000'), 7, 'UNIQUE_LOCAL'],
  [h('fe800000000000000000000000000000'), 10, 'LINK_LOCAL'],
  [h('fec00000000000000000000000000000'), 10, 'PRIVATE'], // site-local (deprecated)
  [h('ff000000000000000000000000000000'), 8, 'MULTICAST'],
];

function matches(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> (i % 8);
    if ((bytes[i >> 3]! & mask) !== (prefix[i >> 3]! & mask)) return false;
  }
  return true;
}

function parseV4(text: string): number[] {
  return text.split('.').map(Number);
}

/** 16 bytes of an IPv6 address (with `::` and a dotted IPv4 tail); zone ids (`%eth0`) ignored. */
export function parseV6(text: string): number[] {
  let s = text.replace(/%.*$/, '');
  const tail: number[] = [];
  const dotted = s.match(/:(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = parseV4(dotted[1]!);
    tail.push(v4[0]! * 256 + v4[1]!, v4[2]! * 256 + v4[3]!);
    s = s.slice(0, s.length - dotted[1]!.length) + '0:0';
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const groups = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const words = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (tail.length) words.splice(6, 2, ...tail);
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

function classifyV4(bytes: number[]): AddressClass {
  return V4.find(([prefix, bits]) => matches(bytes, prefix, bits))?.[2] ?? 'PUBLIC';
}

/** The class of an IP address (IPv6 with or without brackets); anything else is INVALID. */
export function classifyAddress(address: string): AddressClass {
  const text = address.replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(text)) return classifyV4(parseV4(text));
  if (!isIPv6(text)) return 'INVALID';
  const bytes = parseV6(text);
  const embedded = (from: number) => bytes.slice(from, from + 4);
  if (matches(bytes, h('00000000000000000000ffff00000000'), 96)) return classifyV4(embedded(12)); // IPv4-mapped
  if (matches(bytes, h('0064ff9b000000000000000000000000'), 96)) return classifyV4(embedded(12)); // NAT64
  if (matches(bytes, h('20020000000000000000000000000000'), 16)) return classifyV4(embedded(2)); // 6to4
  return V6.find(([prefix, bits]) => matches(bytes, prefix, bits))?.[2] ?? 'PUBLIC';
}
