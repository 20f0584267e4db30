/**
 * Documents that travel with work records (Bills of Lading above all): the file types the
 * hub keeps, how their bytes are recognised, size limits, and how a record's
 * associatedDocument entries are read (inline bytes, or a reference to a direct upload)
 * and rewritten to carry a reference instead of bytes. Pure: no I/O.
 */
import { randomBytes } from 'node:crypto';
import type { AgencyCode, AssociatedDocument } from '../generated/documents.ts';
import { type ErrorItem, invalidInput, tooLarge } from './errors.ts';

/** File types a stored document may have, by extension, with the bytes every such file starts with. */
export const FILE_TYPES = {
  pdf: { contentType: 'application/pdf', magic: [[0x25, 0x50, 0x44, 0x46, 0x2d]] },
  png: { contentType: 'image/png', magic: [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]] },
  jpg: { contentType: 'image/jpeg', magic: [[0xff, 0xd8, 0xff]] },
  jpeg: { contentType: 'image/jpeg', magic: [[0xff, 0xd8, 0xff]] },
  tif: {
    contentType: 'image/tiff',
    magic: [
      [0x49, 0x49, 0x2a, 0x00],
      [0x4d, 0x4d, 0x00, 0x2a],
    ],
  },
  tiff: {
    contentType: 'image/tiff',
    magic: [
      [0x49, 0x49, 0x2a, 0x00],
      [0x4d, 0x4d, 0x00, 0x2a],
    ],
  },
} as const satisfies Record<string, { contentType: string; magic: readonly (readonly number[])[] }>;

export type Extension = keyof typeof FILE_TYPES;
export const CONTENT_TYPES = [...new Set(Object.values(FILE_TYPES).map((t) => t.contentType))];

/** Size limits of stored documents. */
export const DOCUMENT_LIMITS = {
  /** Decoded bytes of one inline (base64) document: keeps a request under Lambda's 6 MB. */
  maxInlineBytes: 4 * 1024 * 1024,
  /** Bytes of one direct upload. */
  maxUploadBytes: 50 * 1024 * 1024,
  /** A presigned upload is valid this long. */
  uploadTtlSeconds: 15 * 60,
  /** A presigned download is valid this long. */
  downloadTtlSeconds: 5 * 60,
} as const;

const DOCUMENT_ID = /^doc_[0-9a-f]{32}$/;

/** A new document id: unguessable, and safe in an S3 key and a URL. */
export const newDocumentId = (): string => `doc_${randomBytes(16).toString('hex')}`;
export const isDocumentId = (s: unknown): s is string => typeof s === 'string' && DOCUMENT_ID.test(s);

/** The extension's file type, or null when the hub does not keep that type. */
export function fileTypeOf(extension: string): (typeof FILE_TYPES)[Extension] | null {
  const ext = extension.trim().replace(/^\./, '').toLowerCase();
  return Object.hasOwn(FILE_TYPES, ext) ? FILE_TYPES[ext as Extension] : null;
}

/** The extension that goes with a content type (for uploads declared by content type). */
export function extensionOf(contentType: string): Extension | null {
  const entry = Object.entries(FILE_TYPES).find(([, t]) => t.contentType === contentType.toLowerCase());
  return entry ? (entry[0] as Extension) : null;
}

/** True when the first bytes are those of a file of this content type. */
export function bytesMatch(contentType: string, head: Uint8Array): boolean {
  const types = Object.values(FILE_TYPES).filter((t) => t.contentType === contentType);
  return types.some((t) => t.magic.some((m) => m.length <= head.length && m.every((b, i) => head[i] === b)));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (line breaks allowed, as MIME writes them); null when it is not base64. */
export function decodeBase64(text: string): Buffer | null {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

/** Most characters (code points) of a stored document's name, its extension included. */
const MAX_NAME_CHARS = 200;

/**
 * What a file name must not carry: control characters (C0, DEL, C1), format characters (every
 * bidirectional override, embedding, isolate and mark — U+202A–U+202E, U+2066–U+2069,
 * U+200E/F, U+061C — zero-width characters, the BOM), line and paragraph separators, lone
 * surrogates; and the characters that break a quoted header value or name a path.
 */
const UNSAFE_IN_NAME = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}"\\/;]/gu;

/** A trailing extension: a dot and up to 10 letters or digits, at least one a letter. */
const TRAILING_EXTENSION = /\.([\p{L}\p{N}]*\p{L}[\p{L}\p{N}]*)$/u;

/**
 * The name a stored document is kept and downloaded under. Whatever the client called it, the
 * name ends in an extension of the type its bytes were checked as: a name of that type keeps
 * its own spelling (`Scan.PDF`, `photo.jpeg` for a jpg); another extension is replaced
 * (`BOL-7731.html` → `BOL-7731.pdf`, `BOL.pdf.exe` → `BOL.pdf`); a name without one gets it.
 * Only the last path segment counts; control, format (bidi) and path characters, quotes and
 * semicolons are dropped, as are leading dots and blanks around the stem. Nothing left → the
 * document id. Pure: the same name for the same input, at upload and at inline storage alike.
 */
export function safeFileName(name: string | undefined, documentId: string, extension: string): string {
  const checked = fileTypeOf(extension);
  const ext = extension.trim().replace(/^\./, '').toLowerCase();
  const lastSegment = (name ?? '').normalize('NFC').split(/[\\/]/).pop()!;
  let stem = lastSegment
    .replace(UNSAFE_IN_NAME, '')
    .replace(/\s+/gu, ' ')
    .replace(/[\s.]+$/u, '')
    .trimStart();
  let own = '';
  const match = TRAILING_EXTENSION.exec(stem);
  if (match && match[1]!.length <= 10) {
    stem = stem.slice(0, match.index);
    // A name of the checked type keeps its spelling; any other extension goes.
    if (checked && fileTypeOf(match[1]!)?.contentType === checked.contentType) own = match[1]!;
  }
  // `BOL.pdf.exe`: once `.exe` is gone, the stem may already end in the checked type.
  if (!own) {
    const inner = TRAILING_EXTENSION.exec(stem);
    if (inner && checked && fileTypeOf(inner[1]!)?.contentType === checked.contentType) {
      own = inner[1]!;
      stem = stem.slice(0, inner.index);
    }
  }
  stem = stem.replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '');
  const suffix = `.${own || ext}`;
  if (!stem) return `${documentId}.${ext}`;
  const room = MAX_NAME_CHARS - [...suffix].length;
  const kept = [...stem]
    .slice(0, room)
    .join('')
    .replace(/[\s.]+$/u, '');
  return `${kept}${suffix}`;
}

/**
 * A Content-Disposition `attachment` header value for this name, as RFC 6266 has it: a quoted
 * ASCII `filename` every client reads (accents dropped, other non-ASCII as `_`), and, when the
 * name is not plain ASCII, `filename*` with the name in UTF-8 (RFC 8187), which clients that
 * know it prefer. Expects a name from safeFileName (no controls, quotes or backslashes), and
 * escapes quotes and backslashes anyway.
 */
export function contentDisposition(fileName: string): string {
  const ascii = fileName
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\]/g, '\\$&');
  const header = `attachment; filename="${ascii}"`;
  if (/^[\x20-\x7e]*$/.test(fileName)) return header;
  return `${header}; filename*=UTF-8''${encodeRfc8187(fileName)}`;
}

/** Percent-encodes UTF-8 bytes except RFC 8187's attr-char (letters, digits, !#$&+-.^_`|~). */
const encodeRfc8187 = (value: string): string =>
  encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The agency under which the hub names the documents it stores (the standard's spelling). */
export const HUB_DOCUMENT_AGENCY = 'AssignedByReciever' satisfies AgencyCode;

/** A document's row: what the hub keeps of a file it stores (or of a direct upload it waits for). */
export interface DocumentRow {
  facilityId: string;
  documentId: string;
  status: 'pending' | 'stored';
  fileName: string;
  contentType: string;
  extension: string;
  /** Declared size for a pending upload, actual size once stored. */
  size: number;
  sha256?: string;
  documentType?: string;
  createdAt: string;
  /** The key that asked for the upload or sent the inline file. */
  keyId: string;
}

/** A document the hub stores for a record, as listed with the record and the order. */
export interface StoredDocumentRef {
  documentId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  documentType?: string;
}

/**
 * Which object a check read: its ETag, and its version id where the bucket keeps versions (it
 * does on AWS; the local emulator has none). The copy that attaches an upload names these, so
 * it copies exactly the bytes that were checked and never what was re-posted since.
 */
export interface UploadVersion {
  etag: string;
  versionId?: string;
}

/** What a check of an uploaded object found. */
export type UploadCheck = { ok: true; size: number; sha256: string; version: UploadVersion } | { ok: false; reason: string };

/** One document a record brings: its bytes inline, or a reference to a direct upload. */
export type RecordDocument =
  | {
      kind: 'inline';
      index: number;
      path: string;
      bytes: Buffer;
      extension: Extension;
      contentType: string;
      fileName: string | undefined;
      documentType: string | undefined;
    }
  | { kind: 'reference'; index: number; path: string; documentId: string };

/**
 * Reads the associatedDocument entries of one record. Inline files are decoded and checked
 * (type kept by the hub, size, bytes matching the declared extension); an entry without a
 * file that names a hub document id is a reference. Other entries (a carrier's paper
 * ticket number, say) are left alone. Collects every problem with its path.
 */
export function readRecordDocuments(
  record: { associatedDocument?: AssociatedDocument[] },
  pointer: string,
): {
  documents: RecordDocument[];
  errors: ErrorItem[];
  tooLarge: ErrorItem[];
} {
  const documents: RecordDocument[] = [];
  const errors: ErrorItem[] = [];
  const large: ErrorItem[] = [];
  (record.associatedDocument ?? []).forEach((doc, index) => {
    const path = `${pointer}/associatedDocument/${index}`;
    if (doc.file === undefined) {
      const ref = doc.identifier?.find((i) => isDocumentId(i.number));
      if (ref) documents.push({ kind: 'reference', index, path, documentId: ref.number });
      return;
    }
    const type = fileTypeOf(doc.extension ?? '');
    if (!type) {
      errors.push({ path: `${path}/extension`, message: `the hub keeps ${Object.keys(FILE_TYPES).join(', ')} files` });
      return;
    }
    const bytes = decodeBase64(doc.file);
    if (!bytes || bytes.length === 0) {
      errors.push({ path: `${path}/file`, message: 'is not base64-encoded file content' });
      return;
    }
    if (bytes.length > DOCUMENT_LIMITS.maxInlineBytes) {
      large.push({
        path: `${path}/file`,
        message: `${bytes.length} bytes; inline documents may have at most ${DOCUMENT_LIMITS.maxInlineBytes} (upload larger ones through POST .../documents)`,
      });
      return;
    }
    if (!bytesMatch(type.contentType, bytes.subarray(0, 16))) {
      errors.push({ path: `${path}/file`, message: `the content is not a ${doc.extension} file` });
      return;
    }
    const extension = doc.extension!.trim().replace(/^\./, '').toLowerCase() as Extension;
    documents.push({
      kind: 'inline',
      index,
      path,
      bytes,
      extension,
      contentType: type.contentType,
      fileName: doc.fileName,
      documentType: doc.documentType,
    });
  });
  return { documents, errors, tooLarge: large };
}

/** Throws the located errors of a batch's documents: 413 when only sizes are wrong, else 400. */
export function rejectDocumentErrors(errors: ErrorItem[], large: ErrorItem[]): void {
  if (errors.length > 0) {
    throw invalidInput('Some documents cannot be stored; nothing in this request was applied.', [...errors, ...large]);
  }
  if (large.length > 0) {
    throw tooLarge('Some inline documents are too large; nothing in this request was applied.', large);
  }
}

/**
 * The record as stored and served: each inline file replaced by a reference to the stored
 * document (an identifier with the hub's document id), every other part untouched.
 */
export function withDocumentReferences<T extends { associatedDocument?: AssociatedDocument[] }>(
  record: T,
  stored: ReadonlyMap<number, string>,
): T {
  if (!record.associatedDocument || stored.size === 0) return record;
  return {
    ...record,
    associatedDocument: record.associatedDocument.map((doc, index) => {
      const documentId = stored.get(index);
      if (documentId === undefined || doc.file === undefined) return doc;
      const { file: _bytes, ...rest } = doc;
      return { ...rest, identifier: [...(doc.identifier ?? []), { agency: HUB_DOCUMENT_AGENCY, number: documentId }] };
    }),
  };
}
