import { classifyAddress, parseV6 } from './address-class';

describe('classifyAddress', () => {
  it.each([
    ['169.254.169.254', 'CLOUD_METADATA'],
    ['169.254.170.2', 'CLOUD_METADATA'],
    ['100.100.100.200', 'CLOUD_METADATA'],
    ['fd00:ec2::254', 'CLOUD_METADATA'],
    ['0.0.0.0', 'UNSPECIFIED'],
    ['::', 'UNSPECIFIED'],
    ['127.0.0.1', 'LOOPBACK'],
    ['127.255.255.254', 'LOOPBACK'],
    ['::1', 'LOOPBACK'],
    ['[::1]', 'LOOPBACK'],
    ['10.0.0.1', 'PRIVATE'],
    ['172.16.0.1', 'PRIVATE'],
    ['172.31.255.255', 'PRIVATE'],
    ['192.168.1.1', 'PRIVATE'],
    ['fec0::1', 'PRIVATE'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT'],
    ['169.254.1.1', 'LINK_LOCAL'],
    ['fe80::1%eth0', 'LINK_LOCAL'],
    ['fc00::1', 'UNIQUE_LOCAL'],
    ['fd12:3456::1', 'UNIQUE_LOCAL'],
    ['224.0.0.1', 'MULTICAST'],
    ['239.255.255.250', 'MULTICAST'],
    ['ff02::1', 'MULTICAST'],
    ['255.255.255.255', 'BROADCAST'],
    ['192.0.2.1', 'DOCUMENTATION'],
    ['2001:db8::1', 'DOCUMENTATION'],
    ['240.0.0.1', 'RESERVED'],
    ['198.18.0.1', 'RESERVED'],
    ['2001::1', 'RESERVED'],
    ['::7f00:1', 'RESERVED'],
    // IPv4 embedded in IPv6: classified by the IPv4 address.
    ['::ffff:127.0.0.1', 'LOOPBACK'],
    ['::ffff:7f00:1', 'LOOPBACK'],
    ['::ffff:169.254.169.254', 'CLOUD_METADATA'],
    ['::ffff:10.0.0.1', 'PRIVATE'],
    ['64:ff9b::10.0.0.1', 'PRIVATE'],
    ['2002:a00:1::', 'PRIVATE'],
    ['::ffff:8.8.8.8', 'PUBLIC'],
    // Public.
    ['8.8.8.8', 'PUBLIC'],
    ['172.32.0.1', 'PUBLIC'],
    ['100.128.0.1', 'PUBLIC'],
    ['2606:4700:4700::1111', 'PUBLIC'],
    ['2a00:1450:4001:82b::200e', 'PUBLIC'],
    // Not addresses.
    ['example.com', 'INVALID'],
    ['256.1.1.1', 'INVALID'],
    ['', 'INVALID'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('accepts only public addresses', () => {
    expect(classifyAddress('93.184.216.34')).toBe('PUBLIC');
    expect(classifyAddress('10.1.2.3')).not.toBe('PUBLIC');
  });

  it('parses compressed IPv6 with a dotted tail', () => {
    expect(parseV6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(parseV6('1::2')).toEqual([0, 1, ...Array<number>(12).fill(0), 0, 2]);
  });
});
