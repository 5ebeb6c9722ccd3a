// A tiny DER encoder that makes self-signed X.509 v3 certificates for node:crypto RSA key pairs, plus a
// reader for a certificate's serial number. Enough for an emulator module whose gateway needs a platform
// certificate and merchant certificates with serial numbers), nothing more. No dependencies.
import crypto from 'node:crypto';

// ---- DER encoding ----

function derLength(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag, ...parts) => {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
};
const seq = (...parts) => tlv(0x30, ...parts);
const set = (...parts) => tlv(0x31, ...parts);
const explicit = (n, ...parts) => tlv(0xa0 | n, ...parts);
const octetString = (buf) => tlv(0x04, buf);
const bitString = (buf) => tlv(0x03, Buffer.from([0]), buf); // no unused bits
const utf8String = (s) => tlv(0x0c, Buffer.from(s, 'utf8'));
const NULL = Buffer.from([0x05, 0x00]);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

/** Minimal two's-complement content bytes of a non-negative integer given as big-endian bytes. */
function unsignedContent(bytes) {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed);
}
const integer = (bytes) => tlv(0x02, unsignedContent(bytes));

function oid(dotted) {
  const arcs = dotted.split('.').map(Number);
  const out = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5). */
function time(date) {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // YYYYMMDDHHMMSS
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`));
  return tlv(0x18, Buffer.from(`${digits}Z`));
}

const OID = {
  sha256WithRSA: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
};

const name = (commonName) => seq(set(seq(oid(OID.commonName), utf8String(commonName))));
const extension = (id, critical, value) => seq(oid(id), ...(critical ? [TRUE] : []), octetString(value));

/** Serial as big-endian bytes, from a Buffer or a hex string (an optional leading 00 is fine). */
function serialBytes(serial) {
  if (!Buffer.isBuffer(serial) && !/^(0x)?([0-9a-f]{2})+$/i.test(String(serial))) {
    throw new Error('serial must be a Buffer or an even-length hex string');
  }
  const bytes = Buffer.isBuffer(serial) ? serial : Buffer.from(String(serial).replace(/^0x/i, ''), 'hex');
  const content = unsignedContent(bytes);
  if (content.length > 20 || content.every((b) => b === 0)) throw new Error('serial must be positive and at most 20 octets');
  return bytes;
}

const toKey = (key, create) => (key instanceof crypto.KeyObject ? key : create(key));

/**
 * A self-signed X.509 v3 certificate (sha256WithRSAEncryption), as PEM.
 * `serialHex` may be a hex string or a Buffer; a serial whose high bit is set is encoded with a leading 00.
 */
export function makeCertificate({
  privateKey, publicKey, commonName, serialHex, serial = serialHex,
  notBefore = new Date(Date.now() - 24 * 3600 * 1000), notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000),
}) {
  if (!commonName) throw new Error('commonName is required');
  if (serial === undefined) throw new Error('serialHex is required');
  const priv = toKey(privateKey, crypto.createPrivateKey);
  const pub = publicKey ? toKey(publicKey, crypto.createPublicKey) : crypto.createPublicKey(priv);
  const spki = pub.export({ type: 'spki', format: 'der' });
  const sigAlg = seq(oid(OID.sha256WithRSA), NULL);
  const keyId = crypto.createHash('sha1').update(spki).digest();
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serialBytes(serial)),
    sigAlg,
    name(commonName), // issuer = subject: self-signed
    seq(time(notBefore), time(notAfter)),
    name(commonName),
    spki,
    explicit(3, seq(
      extension(OID.basicConstraints, true, seq()), // cA FALSE
      extension(OID.keyUsage, true, tlv(0x03, Buffer.from([0x07, 0x80]))), // digitalSignature
      extension(OID.subjectKeyIdentifier, false, octetString(keyId)),
    )),
  );
  const signature = crypto.sign('sha256', tbs, priv); // RSASSA-PKCS1-v1_5
  return derToPem(seq(tbs, sigAlg, bitString(signature)));
}

// ---- reading ----

export function derToPem(der, label = 'CERTIFICATE') {
  const lines = der.toString('base64').match(/.{1,64}/g);
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** DER bytes of a certificate given as PEM text, DER bytes, or a Buffer holding PEM text. */
export function pemToDer(input) {
  const text = Buffer.isBuffer(input) ? (input[0] === 0x30 ? null : input.toString('latin1')) : String(input);
  if (text === null) return input;
  const m = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(text);
  if (!m) throw new Error('not a PEM block');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

function readTlv(buf, offset) {
  if (offset + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[offset];
  let length = buf[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[start++];
  }
  const end = start + length;
  if (end > buf.length) throw new Error('truncated DER');
  return { tag, start, end };
}

/**
 * The certificate's serial number as lowercase hex of the DER INTEGER content bytes — a serial whose high bit
 * is set keeps its leading 00 (DFBA8194C41B84CF → 00dfba8194c41b84cf). This is the `serial_no` format certificate-based gateways use.
 */
export function certificateSerialHex(cert) {
  const der = pemToDer(cert);
  const certificate = readTlv(der, 0);
  const tbs = readTlv(der, certificate.start);
  if (certificate.tag !== 0x30 || tbs.tag !== 0x30) throw new Error('not an X.509 certificate');
  let field = readTlv(der, tbs.start);
  if (field.tag === 0xa0) field = readTlv(der, field.end); // skip [0] version
  if (field.tag !== 0x02) throw new Error('certificate serial number not found');
  return der.subarray(field.start, field.end).toString('hex');
}
