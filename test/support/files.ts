/**
 * Tiny but well-formed files of the types the hub keeps (PDF, PNG, JPEG, TIFF), made in
 * memory: no binary fixtures. `label` goes into the content, so files made with different
 * labels differ (and hash differently).
 */
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

export type FileKind = 'pdf' | 'png' | 'jpeg' | 'tiff';

export const CONTENT_TYPES: Record<FileKind, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpeg: 'image/jpeg',
  tiff: 'image/tiff',
};

/** A one-page PDF whose page shows `label` (byte offsets in the xref are exact). */
export function pdf(label = 'Bill of Lading'): Buffer {
  const text = label.replace(/[()\\]/g, '');
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A 1×1 grey PNG with `label` in a tEXt chunk. */
export function png(label = 'Bill of Lading'): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0); // width
  ihdr.writeUInt32BE(1, 4); // height
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('tEXt', Buffer.from(`Comment\0${label}`, 'latin1')),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0x80]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A JPEG skeleton: SOI, a JFIF APP0 segment, a comment segment with `label`, EOI. */
export function jpeg(label = 'Bill of Lading'): Buffer {
  const segment = (marker: number, data: Buffer) => {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(data.length + 2, 0);
    return Buffer.concat([Buffer.from([0xff, marker]), len, data]);
  };
  const jfif = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, jfif),
    segment(0xfe, Buffer.from(label, 'latin1')),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A little-endian TIFF header with one IFD (1×1 image) and `label` as ImageDescription. */
export function tiff(label = 'Bill of Lading'): Buffer {
  const text = Buffer.from(`${label}\0`, 'latin1');
  const entries: [tag: number, type: number, count: number, value: number][] = [
    [256, 3, 1, 1], // ImageWidth
    [257, 3, 1, 1], // ImageLength
    [258, 3, 1, 8], // BitsPerSample
    [262, 3, 1, 1], // PhotometricInterpretation: BlackIsZero
    [270, 2, text.length, 0], // ImageDescription (offset patched below)
    [273, 4, 1, 0], // StripOffsets (patched)
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 3, 1, 1], // RowsPerStrip
    [279, 4, 1, 1], // StripByteCounts
  ];
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  const textOffset = ifdOffset + ifdSize;
  const pixelOffset = textOffset + text.length;
  const out = Buffer.alloc(pixelOffset + 1);
  out.write('II', 0, 'ascii');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifdOffset, 4);
  out.writeUInt16LE(entries.length, ifdOffset);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    const v = tag === 270 ? textOffset : tag === 273 ? pixelOffset : value;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    if (type === 3) out.writeUInt16LE(v, at + 8);
    else out.writeUInt32LE(v, at + 8);
  });
  out.writeUInt32LE(0, ifdOffset + ifdSize - 4); // no next IFD
  text.copy(out, textOffset);
  out[pixelOffset] = 0x80;
  return out;
}

export const makeFile: Record<FileKind, (label?: string) => Buffer> = { pdf, png, jpeg, tiff };

/** A file of this kind padded to exactly `size` bytes (a PDF may carry anything after %%EOF). */
export function fileOfSize(kind: FileKind, size: number, label?: string): Buffer {
  const base = makeFile[kind](label);
  if (base.length > size) throw new Error(`a ${kind} file needs at least ${base.length} bytes`);
  return Buffer.concat([base, Buffer.alloc(size - base.length, 0x20)]);
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
