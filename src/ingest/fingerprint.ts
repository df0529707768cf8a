// An alert's identity: the fingerprint of its label set as Prometheus and Alertmanager compute
// it (prometheus/common LabelSet.Fingerprint), so that an alert posted to the v2 API and the same
// alert in a webhook payload (its `fingerprint` field) get the same id. 64-bit FNV-1a over each
// label, names sorted: name bytes, 0xFF, value bytes, 0xFF; 16 lowercase hex digits.

const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
/** The FNV prime 2^40 + 0x1b3: multiplying is ×0x1b3 plus a shift by 40. */
const PRIME_LOW = 0x1b3;
const SEPARATOR = 0xff;
const TWO_32 = 2 ** 32;
const ASCII = /^[\x00-\x7f]*$/;

/** The 64-bit hash as two unsigned 32-bit halves, since numbers hold 53 bits exactly. */
class Fnv1a64 {
  private hi = OFFSET_HI;
  private lo = OFFSET_LO;

  byte(b: number): void {
    const lo = (this.lo ^ b) >>> 0;
    const product = lo * PRIME_LOW;
    this.lo = product >>> 0;
    this.hi = (this.hi * PRIME_LOW + Math.floor(product / TWO_32) + ((lo << 8) >>> 0)) >>> 0;
  }

  bytes(data: Uint8Array): void {
    for (const b of data) this.byte(b);
  }

  /** An ASCII string: its UTF-8 bytes are its char codes. */
  ascii(text: string): void {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

/** The fingerprint of a label set, e.g. `{alertname: "alert1", lbl1: "val1"}` → `fac0861a85de433a`. */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels);
  if (names.every((name) => ASCII.test(name) && ASCII.test(labels[name]))) {
    // The usual case, without encoding: for ASCII, the default sort's UTF-16 order is the byte order.
    names.sort();
    const hash = new Fnv1a64();
    for (const name of names) {
      hash.ascii(name);
      hash.byte(SEPARATOR);
      hash.ascii(labels[name]);
      hash.byte(SEPARATOR);
    }
    return hash.hex();
  }
  // Go sorts names by their bytes; compare the UTF-8 encodings to sort the same way.
  const entries = Object.entries(labels).map(([name, value]) => [Buffer.from(name, 'utf8'), Buffer.from(value, 'utf8')] as const);
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  const hash = new Fnv1a64();
  for (const [name, value] of entries) {
    hash.bytes(name);
    hash.byte(SEPARATOR);
    hash.bytes(value);
    hash.byte(SEPARATOR);
  }
  return hash.hex();
}
