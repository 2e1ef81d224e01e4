import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { buildName, parseDnString } from './names.ts';
import { isWithinDirectorySubtree, namesEqual, parseDistinguishedName, prepareString, type DistinguishedName } from './name-matching.ts';
import { NameConstraintsState, parseNameConstraints, uriHost, type NameConstraints } from './name-constraints.ts';
import { parseIpAddress, type GeneralName } from './general-names.ts';
import { encodeTlv, concatBytes } from '../asn1/der.ts';
import { OID } from './oids.ts';

const dn = (s: string): DistinguishedName => parseDistinguishedName(new Uint8Array(AsnConvert.serialize(buildName(parseDnString(s)))));
const printableDn = (cn: string, o: string): DistinguishedName => parseDistinguishedName(new Uint8Array(AsnConvert.serialize(new Name([
  new RelativeDistinguishedName([new AttributeTypeAndValue({ type: OID.organizationName, value: new AttributeValue({ printableString: o }) })]),
  new RelativeDistinguishedName([new AttributeTypeAndValue({ type: OID.commonName, value: new AttributeValue({ printableString: cn }) })]),
]))));
const dns = (value: string): GeneralName => ({ type: 'dns', value });
const email = (value: string): GeneralName => ({ type: 'rfc822', value });
const uri = (value: string): GeneralName => ({ type: 'uri', value });
const ip = (s: string): GeneralName => ({ type: 'ip', bytes: parseIpAddress(s)! });
const ipNet = (addr: string, mask: string): GeneralName => ({ type: 'ip', bytes: Uint8Array.from([...parseIpAddress(addr)!, ...parseIpAddress(mask)!]) });
const dir = (s: string): GeneralName => ({ type: 'directory', name: dn(s) });
const state = (...ncs: NameConstraints[]) => { const s = new NameConstraintsState(); for (const nc of ncs) s.add(nc); return s; };

test('RFC 4518 preparation: case, inner and outer white space, NFKC', () => {
  assert.equal(prepareString('  Test   CA  '), 'test ca');
  assert.equal(prepareString('ＡＢＣ'), 'abc');
  assert.ok(namesEqual(dn('CN=Good CA, O=Test Certificates, C=US'), printableDn('good  ca', ' TEST certificates ') ) === false, 'different RDN count is not equal');
  assert.ok(namesEqual(printableDn('Good CA', 'Test'), printableDn('  good   ca ', 'TEST')));
  // UTF8String and PrintableString of the same text compare equal (§7.1).
  assert.ok(namesEqual(dn('CN=Good CA, O=Test'), printableDn('good ca', 'test')));
  assert.ok(!namesEqual(dn('CN=Good CA, O=Test'), dn('O=Test, CN=Good CA')), 'RDN order matters');
  assert.ok(namesEqual(dn('CN=a+OU=b, O=x'), dn('OU=b+CN=a, O=x')), 'attributes of one RDN are a set');
});

test('directoryName subtrees are RDN prefixes', () => {
  const base = dn('O=Test Certificates, C=US');
  assert.ok(isWithinDirectorySubtree(dn('CN=Alice, OU=permittedSubtree1, O=Test Certificates, C=US'), base));
  assert.ok(isWithinDirectorySubtree(dn('OU=x, O=test  CERTIFICATES, C=US'), base));
  assert.ok(!isWithinDirectorySubtree(dn('CN=Alice, O=Other, C=US'), base));
  assert.ok(!isWithinDirectorySubtree(dn('C=US'), base));
});

test('dNSName constraints: the name and its subdomains; a leading dot means subdomains only', () => {
  const s = state({ permitted: [dns('example.com')] });
  assert.equal(s.check([dns('example.com')]), undefined);
  assert.equal(s.check([dns('Foo.Bar.EXAMPLE.com')]), undefined);
  assert.match(s.check([dns('badexample.com')])!, /not within the permitted/);
  assert.match(s.check([dns('example.org')])!, /not within the permitted/);
  const dot = state({ permitted: [dns('.example.com')] });
  assert.match(dot.check([dns('example.com')])!, /not within/);
  assert.equal(dot.check([dns('a.example.com')]), undefined);
  const ex = state({ excluded: [dns('bad.example.com')] });
  assert.match(ex.check([dns('x.bad.example.com')])!, /excluded/);
  assert.equal(ex.check([dns('good.example.com')]), undefined);
  // Invalid names cannot be judged against a constraint of their form.
  assert.match(s.check([dns('.example.com')])!, /not a valid host name/);
});

test('rfc822Name constraints: mailbox, host and domain forms', () => {
  assert.equal(state({ permitted: [email('alice@example.com')] }).check([email('alice@EXAMPLE.com')]), undefined);
  assert.ok(state({ permitted: [email('alice@example.com')] }).check([email('Alice@example.com')]), 'local part is case-sensitive');
  assert.equal(state({ permitted: [email('example.com')] }).check([email('bob@example.com')]), undefined);
  assert.ok(state({ permitted: [email('example.com')] }).check([email('bob@mail.example.com')]));
  assert.equal(state({ permitted: [email('.example.com')] }).check([email('bob@mail.example.com')]), undefined);
});

test('URI constraints apply to the host; a URI without authority fails a permitted URI constraint', () => {
  assert.equal(uriHost('http://user@Host.Example.com:8080/x'), 'host.example.com');
  assert.equal(uriHost('urn:isbn:123'), undefined);
  const s = state({ permitted: [uri('.example.com')] });
  assert.equal(s.check([uri('http://www.example.com/a')]), undefined);
  assert.ok(s.check([uri('http://example.com/a')]));
  assert.ok(s.check([uri('urn:x:y')]));
  assert.equal(state({ permitted: [uri('host.example.com')] }).check([uri('ldap://host.example.com/cn=x')]), undefined);
});

test('iPAddress constraints: address and mask, IPv4 and IPv6 kept apart', () => {
  const s = state({ permitted: [ipNet('192.0.2.0', '255.255.255.0')] });
  assert.equal(s.check([ip('192.0.2.77')]), undefined);
  assert.ok(s.check([ip('192.0.3.1')]));
  assert.ok(s.check([ip('::1')]), 'an IPv6 address is not within an IPv4 subtree');
  const v6 = state({ excluded: [{ type: 'ip', bytes: Uint8Array.from([...parseIpAddress('2001:db8::')!, ...parseIpAddress('ffff:ffff::')!]) }] });
  assert.ok(v6.check([ip('2001:db8::5')]));
  assert.equal(v6.check([ip('2001:db9::5')]), undefined);
  assert.deepEqual([...parseIpAddress('::ffff:1.2.3.4')!].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
});

test('permitted subtrees of successive certificates intersect; excluded ones accumulate; other forms are unaffected', () => {
  const s = state({ permitted: [dns('example.com')] }, { permitted: [dns('foo.example.com'), dir('O=Test, C=US')] });
  assert.equal(s.check([dns('a.foo.example.com')]), undefined);
  assert.ok(s.check([dns('bar.example.com')]), 'allowed by the first layer only');
  assert.equal(s.check([ip('10.0.0.1')]), undefined, 'no iPAddress constraint at all');
  assert.equal(s.check([dir('CN=x, O=Test, C=US')]), undefined);
  assert.ok(s.check([dir('CN=x, O=Other, C=US')]));
});

test('nameConstraints DER: empty sequences and unusable constraints are refused', () => {
  const gs = (...names: Uint8Array[]) => concatBytes(names.map((n) => encodeTlv(0x30, n)));
  const dnsName = (s: string) => encodeTlv(0x82, new TextEncoder().encode(s));
  const nc = (content: Uint8Array) => encodeTlv(0x30, content);
  const good = parseNameConstraints(nc(encodeTlv(0xa0, gs(dnsName('example.com')))));
  assert.equal(good.permitted?.length, 1);
  assert.equal(good.invalid, undefined);
  assert.throws(() => parseNameConstraints(nc(new Uint8Array())), /neither permittedSubtrees nor excludedSubtrees/);
  assert.throws(() => parseNameConstraints(nc(encodeTlv(0xa0, new Uint8Array()))), /empty GeneralSubtrees/);
  assert.match(parseNameConstraints(nc(encodeTlv(0xa0, gs(dnsName('*.example.com'))))).invalid!, /not a valid domain/);
  assert.match(parseNameConstraints(nc(encodeTlv(0xa1, gs(encodeTlv(0x87, Uint8Array.of(10, 0, 0, 0, 255, 0, 255, 0)))))).invalid!, /non-contiguous mask/);
  assert.match(parseNameConstraints(nc(encodeTlv(0xa1, gs(encodeTlv(0x87, Uint8Array.of(10, 0, 0, 1)))))).invalid!, /4 octets/);
});
